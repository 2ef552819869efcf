//! Everything that can change the TUI's state is an `Action`; everything slow the state asks for
//! is an `Effect`, run by the driver, whose result comes back as an `Action`.

use std::path::PathBuf;

use certbench_lab::export::Exported;
use certbench_pki::IssueSpec;
use certbench_pki::workspace::{Issued, Revoked};
use certbench_tls::run::{Event, RunOptions, Stepper, Summary};
use certbench_x509::RevocationReason;

use crate::panes::inspect::{AfterLoad, Loaded};
use crate::view::WorkspaceView;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Generate,
    Inspect,
    Handshake,
}

impl Pane {
    pub const ALL: [Pane; 3] = [Pane::Generate, Pane::Inspect, Pane::Handshake];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Generate => "Generate",
            Pane::Inspect => "Inspect",
            Pane::Handshake => "Handshake",
        }
    }

    pub fn index(self) -> usize {
        Pane::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }
}

/// What the user asks for (from the keymap) and what tasks report back.
#[derive(Debug, Clone)]
pub enum Action {
    /// The workspace manifest as the watcher saw it (another process may have changed it).
    ManifestSeen(crate::view::ManifestStamp),
    /// The workspace read again after another process changed it.
    WorkspaceChanged(Box<crate::view::WorkspaceView>),
    Quit,
    ToggleHelp,
    NextPane,
    PrevPane,
    ShowPane(Pane),
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    /// Home, g: the first row of the list where the focus is.
    First,
    /// End, G: the last row (in the Handshake pane, the run's end: who proved what).
    Last,
    /// Start the guided tour (again).
    StartTour,
    /// Scroll the box beside the list (the verdict, a step's fields).
    ScrollUp,
    ScrollDown,
    /// Enter: edit the field, pick the choice, press the button, confirm.
    Activate,
    /// Esc: close, cancel, go back.
    Back,
    /// Issue the certificate in the form.
    Issue,
    /// Start a new certificate in the form, issued by the selected CA when one is selected.
    NewUnderSelected,
    /// Put the form back to the role's defaults.
    ResetForm,
    /// The form's next text field, typing in it (Tab).
    NextField,
    /// The form's previous text field, typing in it (Shift-Tab).
    PrevField,
    /// Start typing a filter for the list.
    StartFilter,
    /// Start typing a path to open in the Inspect pane.
    StartOpen,
    /// Tab in the path prompt.
    Complete,
    /// Verify for a server, a client, or by the certificate's own usage.
    CyclePurpose,
    /// Type the name to verify for.
    VerifyName,
    /// Type the time to verify at.
    VerifyTime,
    /// Run a live handshake with the chosen options.
    RunHandshake,
    /// TLS 1.3 / 1.2 for the next run.
    ToggleTls,
    /// The next client certificate of the workspace, then none.
    CycleClientCert,
    /// The next key exchange group.
    CycleGroup,
    /// The next cipher suite for the chosen TLS version.
    CycleSuite,
    /// The next name the client asks for: the server certificate's names, then one it lacks.
    CycleServerName,
    /// The next server certificate of the workspace.
    CycleServerCert,
    /// Whether the server asks for a client certificate: required, optional, not at all.
    CycleClientAuth,
    /// Which chains the sides send: both whole, the server's leaf alone, the client's leaf alone.
    CycleChains,
    /// What each side trusts: the workspace's CAs, the system store, one root.
    CycleTrust,
    /// Choose a failure lab scenario to run instead of the workspace's certificates.
    PickScenario,
    /// A scenario picked in the failure lab's list (`None`: the workspace's own choices).
    ScenarioChosen(Option<&'static certbench_lab::Scenario>),
    /// Save the last run's JSON transcript and key log.
    ExportRun,
    /// Open the selected step's certificates in the Inspect pane.
    InspectStep,
    /// Step mode on or off for the next run.
    ToggleStep,
    /// Step mode: let the next flight go.
    NextFlight,
    /// Fold each side's derived secrets into one line, or show each.
    FoldSecrets,
    /// The Step box shows the selected message's bytes, annotated, or its fields.
    ToggleBytes,
    /// In the bytes: the byte before or after, and the field it is in.
    PrevByte,
    NextByte,
    /// Stop the running handshake.
    CancelRun,
    /// Start serving the workspace to outside clients, or stop.
    ToggleServe,
    /// Type where to connect, then connect.
    StartConnect,
    /// Type where to relay to, then relay between the user's own client and server; or stop.
    ToggleRelay,
    /// Start the workspace's OCSP responder and CRLs over HTTP (`certbench ocsp`), or stop it.
    ToggleResponder,
    /// How the workspace ages: days left, CRLs, warnings (`certbench status`).
    ShowStatus,
    /// Renew the selected certificate (asked first, with the key to keep or make).
    Renew,
    /// The machine's trust stores: where the workspace's roots are.
    ShowTrust,
    /// Install the workspace's roots into the trust stores (asked first) or take them out.
    TrustInstall,
    TrustUninstall,
    /// A newer or older connection of the server.
    PrevConnection,
    NextConnection,
    Revoke,
    /// Export the selected certificate (PKCS#12, trust store, PEM bundle, DER).
    StartExport,
    /// Show the recipes (curl, openssl, nginx, Go, ...) for the selected certificate.
    ShowRecipes,
    /// Sign a certificate signing request a service made (a path, then a review).
    StartSignRequest,
    ShowResult,
    Confirm,
    Cancel,
    /// Text entry in a focused field.
    Insert(char),
    DeleteBack,
    ClearField,
    /// A mouse click at a cell.
    Click {
        column: u16,
        row: u16,
    },
    Resize {
        width: u16,
        height: u16,
    },
    Tick,
    // Results of effects.
    /// The workspace, read again; `select` is the certificate to select in the Generate list (one
    /// just made), carried from the effect that asked.
    WorkspaceLoaded {
        view: WorkspaceView,
        select: Option<String>,
    },
    InspectLoaded(Box<Loaded>),
    /// A step of a running handshake.
    HandshakeEvent {
        run: u64,
        event: Box<Event>,
    },
    HandshakeFinished {
        run: u64,
        result: Result<Box<Summary>, String>,
    },
    /// The server is listening, with the files a client uses to try it (or it could not start).
    ServeStarted(Result<(std::net::SocketAddr, Option<certbench_tls::serve::TryFiles>), String>),
    /// A connection to the server came or ended.
    ServeUpdate(Box<certbench_tls::serve::Update>),
    /// Events of connections still open, gathered for a moment (one message, not one each).
    ServeEvents(Vec<(u64, Event)>),
    /// The server or the relay stopped.
    ServeStopped,
    /// The relay is listening (or could not start).
    RelayStarted(Result<std::net::SocketAddr, String>),
    /// The OCSP responder is listening (or could not start).
    ResponderStarted(Result<std::net::SocketAddr, String>),
    /// The OCSP responder answered a request.
    ResponderServed(Box<certbench_tls::responder::Served>),
    /// The OCSP responder stopped.
    ResponderStopped,
    /// A connection through the relay came or ended.
    RelayUpdate(Box<certbench_tls::relay::Update>),
    RunExported(Result<Exported, String>),
    /// A run's certificates (`ders`), saved as a PEM file to open in the Inspect pane at
    /// `field`, as the effect that saved them was asked.
    CertificatesExported {
        ders: Vec<Vec<u8>>,
        field: Option<&'static str>,
        /// A relayed connection's culprit (see [`CertificatesToOpen::relayed`]).
        relayed: bool,
        /// A lab run's: its PKI is its own, made anew for each run under the same names.
        lab: bool,
        result: Result<PathBuf, String>,
        /// The server's OCSP staple the step carried, saved beside them (DER).
        staple: Option<PathBuf>,
    },
    /// Another pane asks the Inspect pane to open a run's certificates.
    OpenCertificates(Box<CertificatesToOpen>),
    /// What a path being typed could become, for the prompt.
    Completions {
        typed: String,
        candidates: Vec<String>,
    },
    IssueFinished {
        spec: Box<IssueSpec>,
        result: Result<Box<Issued>, EffectError>,
    },
    RevokeFinished(Result<Revoked, String>),
    /// A renewal, in words (what it made, then what it means below a CA).
    RenewFinished(Result<Vec<String>, String>),
    /// The trust stores as read (or why they cannot be).
    TrustRead(Result<Box<TrustInfo>, String>),
    /// A change of the trust stores, in words, then the stores read again.
    TrustChanged(Result<Vec<String>, String>),
    ExportFinished(Result<certbench_pki::bundle::Exported, EffectError>),
    /// A request read for review (or why it cannot be signed).
    CsrRead(Result<Box<CsrReview>, String>),
    /// A request signed.
    CsrSigned(Result<Box<Issued>, EffectError>),
    /// The recipes for a certificate, as Markdown (or why there are none).
    RecipesMade(Result<String, String>),
    /// A task failed by a bug; the sentence says so.
    TaskFailed(String),
}

/// An engine error as the UI needs it: the sentence, and whether it was "file exists".
#[derive(Debug, Clone)]
pub struct EffectError {
    pub message: String,
    pub existing_file: Option<PathBuf>,
}

/// Slow work the state asks for; the driver runs it off the event loop.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Read the workspace again, because another process changed its manifest.
    ReloadChanged,
    /// Write the workspace's mark that the tour was ended there (it then starts only when asked).
    RememberTour(PathBuf),
    /// Read the workspace again; then select `select` in the Generate list.
    LoadWorkspace {
        select: Option<String>,
    },
    /// Load the Inspect pane: the workspace's certificates and CRLs, and what the user opened;
    /// then `after`.
    LoadInspect {
        open: Vec<PathBuf>,
        system: bool,
        /// Passwords that opened PKCS#12 bundles among `open` before: opened again with them.
        passwords: Vec<(PathBuf, certbench_base::text::Secret)>,
        after: AfterLoad,
    },
    /// Add files to the Inspect pane: only `paths` are read, appended to the items already
    /// loaded (`loaded`), and the lints made again over all of them (an issuer may have come).
    AddToInspect {
        paths: Vec<PathBuf>,
        loaded: Vec<certbench_x509::Item>,
        after: AfterLoad,
    },
    /// List what could complete a path being typed.
    CompletePath(String),
    /// Run a live handshake; its events come back as they happen. With a scenario, the
    /// scenario's own material and choices instead of the workspace's.
    RunHandshake {
        run: u64,
        options: Box<RunOptions>,
        scenario: Option<&'static certbench_lab::Scenario>,
    },
    /// Save a run's certificates, to open them in the Inspect pane.
    SaveCertificates(Box<CertificatesToOpen>),
    /// Save a run's transcript and key log.
    ExportRun {
        summary: Box<Summary>,
        events: Vec<Event>,
        /// The lab scenario the run was, if it was one.
        scenario: Option<&'static certbench_lab::Scenario>,
        /// The words that explain it, as the pane shows them (for its page).
        explained: Box<certbench_lab::Explained>,
        /// Whose program the other side was (a served, relayed or connected run).
        peer: Option<certbench_lab::Peer>,
        /// A relayed connection: how it ended, as the pane says it.
        said: Option<Box<certbench_page::Said>>,
    },
    /// Serve the workspace to outside clients until `StopServe`.
    StartServe {
        dir: PathBuf,
        server: String,
        client_auth: certbench_tls::config::ClientAuth,
        control: ServeControl,
    },
    StopServe(ServeControl),
    /// Answer OCSP and serve CRLs for the workspace in `dir` until `StopServe`: on the CLI's
    /// default address, or any free port when it is taken.
    StartResponder {
        dir: PathBuf,
        control: ServeControl,
    },
    /// Relay between the user's own client and server until `StopServe`: listen on `listen`
    /// (any free port when it is taken and `elsewhere` allows), forward to `target`, follow
    /// `keylog`.
    StartRelay {
        listen: std::net::SocketAddr,
        elsewhere: bool,
        target: String,
        keylog: PathBuf,
        control: ServeControl,
        /// The workspace whose certificates each CertificateRequest is judged against.
        dir: PathBuf,
    },
    /// Connect to someone else's server with the workspace's client certificate; its events
    /// come back as a run's.
    Connect {
        run: u64,
        dir: PathBuf,
        target: String,
        client: Option<String>,
    },
    /// Let a paused run's next flight go.
    StepHandshake(Stepper),
    /// End the running handshake.
    CancelHandshake(Stepper),
    Issue {
        spec: Box<IssueSpec>,
        overwrite: bool,
    },
    Revoke {
        name: String,
        reason: RevocationReason,
    },
    Renew {
        name: String,
        new_key: bool,
        /// Revoke the certificate it replaces (superseded), as `renew --revoke-old`.
        revoke_old: bool,
    },
    /// Read the machine's trust stores for the workspace's roots.
    ReadTrust,
    /// Install the workspace's roots into every store found, or take out what certbench put in.
    ChangeTrust {
        install: bool,
    },
    /// Read a certificate signing request, to review it.
    ReadCsr {
        path: PathBuf,
    },
    /// Sign a reviewed request.
    SignCsr {
        request: Box<certbench_pki::csr::Request>,
        grant: Box<certbench_pki::csr::Grant>,
        replace: bool,
    },
    /// Open a PKCS#12 bundle among the Inspect pane's items with its password; then `after`.
    OpenPkcs12 {
        source: PathBuf,
        password: certbench_base::text::Secret,
        loaded: Vec<certbench_x509::Item>,
        after: AfterLoad,
    },
    /// Make the recipes (curl, openssl, nginx, ...) for a workspace certificate.
    MakeRecipes {
        name: String,
    },
    /// Write a workspace certificate in a format other tools take.
    Export {
        name: String,
        choice: ExportChoice,
        password: certbench_base::text::Secret,
        replace: bool,
    },
    Quit,
}

/// A request read, with what the workspace adds to review it: the CA that signs it and the set
/// id its names carry.
#[derive(Debug, Clone, PartialEq)]
pub struct CsrReview {
    pub path: PathBuf,
    pub request: certbench_pki::csr::Request,
    pub issuer: String,
    pub set_id: String,
}

/// The files the export dialog offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportChoice {
    Pkcs12,
    Pkcs12Legacy,
    TrustStore,
    PemBundle,
    Der,
}

impl ExportChoice {
    pub const ALL: [ExportChoice; 5] = [
        ExportChoice::Pkcs12,
        ExportChoice::Pkcs12Legacy,
        ExportChoice::TrustStore,
        ExportChoice::PemBundle,
        ExportChoice::Der,
    ];

    pub fn format(self) -> certbench_pki::bundle::Format {
        use certbench_pki::bundle::Format;
        match self {
            ExportChoice::Pkcs12 | ExportChoice::Pkcs12Legacy => Format::Pkcs12,
            ExportChoice::TrustStore => Format::TrustStore,
            ExportChoice::PemBundle => Format::PemBundle,
            ExportChoice::Der => Format::Der,
        }
    }

    pub fn encryption(self) -> certbench_pki::bundle::Pkcs12Encryption {
        match self {
            ExportChoice::Pkcs12Legacy => certbench_pki::bundle::Pkcs12Encryption::Legacy,
            _ => certbench_pki::bundle::Pkcs12Encryption::Modern,
        }
    }

    /// Whether it holds the key (and so needs the key in the workspace, and a leaf).
    pub fn holds_key(self) -> bool {
        self.format().holds_key()
    }

    /// Its title and what it holds (assets/export.toml, as the CLI says them).
    pub fn words(self) -> certbench_pki::bundle::FormatWords {
        self.format().words(self.encryption())
    }
}

/// Stops a server or a relay started from the pane (shared by the pane and its task).
#[derive(Debug, Clone, Default)]
pub struct ServeControl(pub std::sync::Arc<tokio::sync::Notify>);

impl PartialEq for ServeControl {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

/// A run's certificates to open in the Inspect pane: their DER (end entity first), the field to
/// select (a failed run's culprit), and what to save them from when they were not saved before.
#[derive(Debug, Clone, PartialEq)]
pub struct CertificatesToOpen {
    pub ders: Vec<Vec<u8>>,
    pub field: Option<&'static str>,
    pub from: CertificatesOf,
    /// From a lab scenario's run: saved beside the lab, never into the workspace, and a
    /// culprit with the lab CAs its judge trusted.
    pub lab: bool,
    /// A culprit from a relayed connection: the program that refused it judged it by a trust
    /// the wire does not show, so the Inspector's verdict is the workspace's, and says so.
    pub relayed: bool,
}

/// Where a run's certificates come from.
#[derive(Debug, Clone, PartialEq)]
pub enum CertificatesOf {
    /// A step that carries certificates (a Certificate message, a chain verdict).
    Step(Box<Event>),
    /// The certificate at fault in a failed run, with the chain it came with, and the server's
    /// OCSP staple when the run had one for it (a staple that says revoked is why it failed).
    Culprit {
        culprit: Box<certbench_tls::run::Culprit>,
        staple: Option<Box<Event>>,
    },
}

/// The machine's trust stores as the Trust dialog shows them: made on a blocking thread, in words.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TrustInfo {
    /// One line per root and store (`trust status`), and the stores this machine lacks.
    pub lines: Vec<String>,
    /// What an install would do (empty: nothing to install).
    pub would_install: Vec<String>,
    /// The sentence said before an install.
    pub warning: String,
    /// Whether certbench installed anything that an uninstall would take out.
    pub installed: bool,
}
