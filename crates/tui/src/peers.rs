//! The pane's long-running peers: certbench's server (`S`), the relay (`R`) and a connect (`C`).
//! Each runs on the loop's runtime until stopped; its updates and events come back as actions,
//! as they happen.

use certbench_pki::workspace::Workspace;
use tokio::sync::mpsc;

use crate::action::{Action, Effect};
use crate::{Message, bug_sentence, effect_label, failure_of};

/// `serve` and `connect` from the pane: their updates and events come back as actions, as they
/// happen. A server sends a connection when it ends (with its timeline), so however busy it is,
/// the loop gets two messages per connection, and its events in batches.
pub(crate) fn spawn_peer(
    effect: Effect,
    tx: mpsc::UnboundedSender<Message>,
    tasks: &tokio::runtime::Handle,
) {
    let on_failure = failure_of(&effect);
    let what = effect_label(&effect);
    let send = move |tx: &mpsc::UnboundedSender<Message>, a: Action| {
        let _ = tx.send(Message::Action(a));
    };
    let work = match effect {
        Effect::StartServe {
            dir,
            server,
            client_auth,
            control,
        } => {
            let tx = tx.clone();
            tasks.spawn(async move {
                use certbench_tls::serve::{ServeOptions, Server};
                let server_name = server.clone();
                let material = certbench_tls::material::Material::from_workspace_with(
                    &dir,
                    &certbench_tls::material::MaterialChoices {
                        server,
                        client: None,
                        ..Default::default()
                    },
                )
                .map_err(|e| e.to_string())?;
                // The CLI's default port, or any free one when it is taken.
                let listen = ([127, 0, 0, 1], certbench_tls::serve::defaults::PORT).into();
                let mut opts = ServeOptions::offering(listen, None, client_auth);
                // localhost: ::1 too, as the CLI's default.
                opts.localhost = true;
                opts.keep_events = true;
                opts.live_events = true;
                let try_files = Workspace::open(&dir)
                    .ok()
                    .map(|ws| certbench_tls::serve::try_files(&ws, &server_name));
                let server = match Server::bind(material.clone(), opts.clone()).await {
                    Ok(s) => s,
                    Err(certbench_tls::serve::ServeError::InUse { .. }) => {
                        opts.listen = ([127, 0, 0, 1], 0).into();
                        Server::bind(material, opts)
                            .await
                            .map_err(|e| e.to_string())?
                    }
                    Err(e) => return Err(e.to_string()),
                };
                let addr = server.local_addr().map_err(|e| e.to_string())?;
                send(&tx, Action::ServeStarted(Ok((addr, try_files))));
                let (utx, mut urx) = mpsc::channel(1024);
                let stop = control.0.clone();
                let running = tokio::spawn(server.run(utx, async move { stop.notified().await }));
                // Events go to the loop in batches, every 50 ms at most: a busy server sends it a
                // few messages a second, not one per event. (The server's own channel is bounded:
                // what it could not send is counted in each connection's events_dropped.)
                let mut batch: Vec<(u64, certbench_tls::event::Event)> = Vec::new();
                let mut tick = tokio::time::interval(std::time::Duration::from_millis(50));
                loop {
                    tokio::select! {
                        update = urx.recv() => match update {
                            Some(certbench_tls::serve::Update::Event { id, event }) => {
                                batch.push((id, event));
                            }
                            Some(other) => {
                                if !batch.is_empty() {
                                    send(&tx, Action::ServeEvents(std::mem::take(&mut batch)));
                                }
                                send(&tx, Action::ServeUpdate(Box::new(other)));
                            }
                            None => break,
                        },
                        _ = tick.tick() => {
                            if !batch.is_empty() {
                                send(&tx, Action::ServeEvents(std::mem::take(&mut batch)));
                            }
                        }
                    }
                }
                let _ = running.await;
                send(&tx, Action::ServeStopped);
                Ok::<_, String>(())
            })
        }
        Effect::StartRelay {
            listen,
            elsewhere,
            target,
            keylog,
            control,
            dir,
        } => {
            let tx = tx.clone();
            tasks.spawn(async move {
                use certbench_tls::relay::{RelayError, RelayOptions, Update, relay};
                // The relay's port, or any free one when it is taken.
                let listen = match std::net::TcpListener::bind(listen) {
                    Ok(l) => l.local_addr().unwrap_or(listen),
                    Err(e) if elsewhere && e.kind() == std::io::ErrorKind::AddrInUse => {
                        std::net::SocketAddr::from(([127, 0, 0, 1], 0))
                    }
                    Err(e) => {
                        return Err(RelayError::Listen {
                            addr: listen,
                            source: e,
                        }
                        .to_string());
                    }
                };
                // The server resolves now, or the user hears of it before any client does.
                let to: Vec<std::net::SocketAddr> = tokio::net::lookup_host(target.as_str())
                    .await
                    .map(Iterator::collect)
                    .unwrap_or_default();
                if to.is_empty() {
                    return Err(format!(
                        "\"{}\" does not resolve to an address",
                        certbench_base::text::display_safe(&target, 100)
                    ));
                }
                if certbench_tls::relay::loops(listen, &to) {
                    return Err(format!(
                        "{} is where the relay listens: it would relay to itself",
                        certbench_base::text::display_safe(&target, 100)
                    ));
                }
                let mut opts = RelayOptions::new(listen, target);
                opts.keylog = Some(keylog);
                opts.workspace = Some(dir);
                let (utx, mut urx) = mpsc::unbounded_channel();
                let stop = control.0.clone();
                let opts2 = opts.clone();
                let running =
                    tokio::spawn(async move { relay(&opts2, utx, stop.notified()).await });
                // As the server's: events in batches every 50 ms, the rest as it comes.
                let mut batch: Vec<(u64, certbench_tls::event::Event)> = Vec::new();
                let mut tick = tokio::time::interval(std::time::Duration::from_millis(50));
                loop {
                    tokio::select! {
                        update = urx.recv() => match update {
                            Some(Update::Event { id, event }) => batch.push((id, *event)),
                            Some(Update::Listening { addr, .. }) => {
                                send(&tx, Action::RelayStarted(Ok(addr)));
                            }
                            Some(other) => {
                                if !batch.is_empty() {
                                    send(&tx, Action::ServeEvents(std::mem::take(&mut batch)));
                                }
                                send(&tx, Action::RelayUpdate(Box::new(other)));
                            }
                            None => break,
                        },
                        _ = tick.tick() => {
                            if !batch.is_empty() {
                                send(&tx, Action::ServeEvents(std::mem::take(&mut batch)));
                            }
                        }
                    }
                }
                match running.await {
                    Ok(Err(e)) => return Err(e.to_string()),
                    Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                    _ => {}
                }
                send(&tx, Action::ServeStopped);
                Ok::<_, String>(())
            })
        }
        Effect::StartResponder { dir, control } => {
            let tx = tx.clone();
            tasks.spawn(async move {
                use certbench_tls::responder::{Responder, defaults};
                // The CLI's default address, or any free port when it is taken.
                let responder =
                    match Responder::bind(([127, 0, 0, 1], defaults::PORT).into(), dir.clone())
                        .await
                    {
                        Ok(r) => r,
                        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                            Responder::bind(([127, 0, 0, 1], 0).into(), dir)
                                .await
                                .map_err(|e| e.to_string())?
                        }
                        Err(e) => return Err(e.to_string()),
                    };
                let addr = responder.local_addr().map_err(|e| e.to_string())?;
                send(&tx, Action::ResponderStarted(Ok(addr)));
                let (stx, mut srx) = mpsc::unbounded_channel();
                let stop = control.0.clone();
                let running =
                    tokio::spawn(responder.run(stx, async move { stop.notified().await }));
                while let Some(served) = srx.recv().await {
                    send(&tx, Action::ResponderServed(Box::new(served)));
                }
                if let Err(e) = running.await
                    && e.is_panic()
                {
                    std::panic::resume_unwind(e.into_panic());
                }
                send(&tx, Action::ResponderStopped);
                Ok::<_, String>(())
            })
        }
        Effect::Connect {
            run,
            dir,
            target,
            client,
        } => {
            let tx = tx.clone();
            tasks.spawn(async move {
                let material = certbench_tls::material::Material::client_from_workspace(
                    &dir,
                    client.as_deref(),
                )
                .map_err(|e| e.to_string())?;
                let host = certbench_tls::connect::host_of(&target)
                    .unwrap_or_default()
                    .to_string();
                let opts = certbench_tls::connect::ConnectOptions::new(target, &host, None);
                let (etx, mut erx) = mpsc::unbounded_channel();
                let events_tx = tx.clone();
                let forward = tokio::spawn(async move {
                    while let Some(event) = erx.recv().await {
                        send(
                            &events_tx,
                            Action::HandshakeEvent {
                                run,
                                event: Box::new(event),
                            },
                        );
                    }
                });
                let result = certbench_tls::connect::connect(&material, &opts, etx)
                    .await
                    .map(Box::new)
                    .map_err(|e| e.to_string());
                let _ = forward.await;
                send(&tx, Action::HandshakeFinished { run, result });
                Ok(())
            })
        }
        _ => return,
    };
    tasks.spawn(async move {
        let failed = match work.await {
            Ok(Ok(())) => return,
            Ok(Err(m)) => m,
            Err(e) if e.is_panic() => bug_sentence(what),
            Err(_) => "stopped".into(),
        };
        let _ = tx.send(Message::Action(on_failure(failed)));
    });
}
