//! Recipes: for each tool people use (curl, openssl, nginx, Go, Node.js, Python, Java), a server
//! or a client of mutual TLS made from this workspace's files: the commands, or a minimal complete
//! program or configuration, with the lines that matter most and why. The templates and words are
//! in assets/recipes.toml and assets/recipes/; this module fills them with the workspace's paths,
//! quoted for the file they go in. Each recipe is run by a test (tests/recipes.rs).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::workspace::{Entity, Workspace};
use certbench_x509::Role;

/// A tool a recipe is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tool {
    Curl,
    Openssl,
    Nginx,
    Go,
    Node,
    Python,
    Java,
}

impl Tool {
    pub const ALL: [Tool; 7] = [
        Tool::Curl,
        Tool::Openssl,
        Tool::Nginx,
        Tool::Go,
        Tool::Node,
        Tool::Python,
        Tool::Java,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Tool::Curl => "curl",
            Tool::Openssl => "openssl",
            Tool::Nginx => "nginx",
            Tool::Go => "go",
            Tool::Node => "node",
            Tool::Python => "python",
            Tool::Java => "java",
        }
    }

    pub fn from_name(s: &str) -> Option<Tool> {
        Tool::ALL.into_iter().find(|t| t.name() == s)
    }
}

/// Which end of the connection a recipe makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Server,
    Client,
}

impl Side {
    pub fn name(self) -> &'static str {
        match self {
            Side::Server => "server",
            Side::Client => "client",
        }
    }
}

/// One recipe, filled in.
#[derive(Debug, Clone, Serialize)]
pub struct Recipe {
    pub tool: Tool,
    pub side: Side,
    pub title: String,
    /// Files to save (a program, a configuration), in the folder `run` runs in.
    pub files: Vec<RecipeFile>,
    /// The shell commands, run in the folder of the files.
    pub run: String,
    /// The lines that matter most.
    pub notes: Vec<Note>,
    /// What keeps it from running as written here.
    pub problems: Vec<Problem>,
}

/// Why a recipe cannot run as written in this workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Problem {
    /// nginx expands `$` in a path as a variable, with no escape.
    DollarInPath { path: PathBuf },
    /// The certificate was signed from a request: its key is with the service that made it,
    /// and its path goes where the recipe names `key`.
    KeyElsewhere { name: String, key: PathBuf },
    /// As `KeyElsewhere`, for the Java recipe, whose key store certbench cannot export: it is
    /// made where the key is, from the chain file.
    KeyStoreElsewhere { name: String, chain: PathBuf },
    /// The name clients ask for does not reach this machine, where the server recipes listen.
    HostNotLocal { host: String },
    /// The certificate the recipe uses is revoked: a peer that checks revocation refuses it.
    Revoked { name: String },
}

impl Problem {
    pub fn code(&self) -> &'static str {
        match self {
            Problem::DollarInPath { .. } => "dollar_in_path",
            Problem::KeyElsewhere { .. } => "key_elsewhere",
            Problem::KeyStoreElsewhere { .. } => "key_store_elsewhere",
            Problem::HostNotLocal { .. } => "host_not_local",
            Problem::Revoked { .. } => "revoked",
        }
    }

    /// In words, from assets/recipes.toml.
    pub fn text(&self) -> String {
        let values = match self {
            Problem::DollarInPath { path } => vec![("path", path.display().to_string())],
            Problem::KeyElsewhere { name, key } => {
                vec![("name", name.clone()), ("key", key.display().to_string())]
            }
            Problem::KeyStoreElsewhere { name, chain } => vec![
                ("name", name.clone()),
                ("chain", certbench_base::text::shell_word(chain)),
            ],
            Problem::HostNotLocal { host } => vec![("host", host.clone())],
            Problem::Revoked { name } => vec![("name", name.clone())],
        };
        let template = problem_words()
            .get(self.code())
            .map_or(self.code(), String::as_str);
        certbench_base::assets::fill(template, &values)
    }
}

fn problem_words() -> &'static HashMap<String, String> {
    &table().problems
}

impl Recipe {
    /// The folder name `--out` gives it: `go-server`.
    pub fn folder(&self) -> String {
        format!("{}-{}", self.tool.name(), self.side.name())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RecipeFile {
    pub name: String,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Note {
    /// The line of the recipe (as filled in) that holds what matters.
    pub line: String,
    pub why: String,
}

/// Why recipes cannot be made for the certificates asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecipeError {
    #[error("the workspace has no certificate named \"{name}\"")]
    UnknownEntity { name: String },
    #[error(
        "the workspace has no {role} certificate: `certbench issue --role {role} --name NAME` makes one"
    )]
    NoneOfRole { role: &'static str },
    #[error(
        "the workspace's {role} certificates are revoked ({names}): `certbench issue --role {role} --name NAME` makes a new one (--{role} NAME uses a revoked one all the same)"
    )]
    AllRevoked { role: &'static str, names: String },
    #[error("\"{name}\" is a {role} certificate; recipes take a server or a client certificate")]
    NotALeaf { name: String, role: &'static str },
    #[error(
        "\"{name}\" is a {role} certificate: the {side} recipes need a {side} certificate (--{side} NAME)"
    )]
    WrongRole {
        name: String,
        role: &'static str,
        side: &'static str,
    },
    #[error("no root CA above \"{name}\" in the workspace")]
    NoRoot { name: String },
    #[error(
        "the server \"{server}\" and the client \"{client}\" chain to different roots: give a server and a client of one PKI"
    )]
    TwoRoots { server: String, client: String },
}

/// The values the templates name.
#[derive(Debug, Clone)]
pub struct Values {
    /// How the recipes run certbench: its own path, or `certbench` (on PATH).
    pub certbench: String,
    pub workspace: PathBuf,
    pub ca: PathBuf,
    pub server_cert: PathBuf,
    pub server_chain: PathBuf,
    pub server_key: PathBuf,
    pub server_intermediates: Option<PathBuf>,
    /// The server certificate's name when its key is not in the workspace.
    pub server_key_elsewhere: Option<String>,
    /// The server certificate's name when it is revoked (named with --server).
    pub server_revoked: Option<String>,
    pub client_name: String,
    pub client_cert: PathBuf,
    pub client_chain: PathBuf,
    pub client_key: PathBuf,
    pub client_intermediates: Option<PathBuf>,
    /// The client certificate's name when its key is not in the workspace.
    pub client_key_elsewhere: Option<String>,
    /// The client certificate's name when it is revoked (named with --client).
    pub client_revoked: Option<String>,
    /// The name clients ask for: one of the server certificate's names that is this machine,
    /// else its first (else its CN).
    pub host: String,
    /// Whether `host` reaches this machine, where the server recipes listen.
    pub host_is_local: bool,
    pub port: u16,
}

/// The values for the workspace's `server` and `client` (by default its "server" and "client",
/// else the first of each role whose key it holds). With `relative`, paths are file names in the
/// workspace folder (run the recipes there); else absolute.
pub fn values(
    ws: &Workspace,
    server: Option<&str>,
    client: Option<&str>,
    port: u16,
    relative: bool,
) -> Result<Values, RecipeError> {
    let server = leaf(ws, server, Role::Server)?;
    let client = leaf(ws, client, Role::Client)?;
    let (host, host_is_local) = server_name(&names_and_usages(&ws.path(&server.cert)).0)
        .unwrap_or_else(|| {
            let cn = server.common_name.clone();
            let local = is_local(&cn);
            (cn, local)
        });
    let server_root = root_of(ws, server)?;
    let client_root = root_of(ws, client)?;
    if server_root.name != client_root.name {
        return Err(RecipeError::TwoRoots {
            server: server.name.clone(),
            client: client.name.clone(),
        });
    }
    let dir = if relative {
        PathBuf::new()
    } else {
        ws.dir()
            .canonicalize()
            .unwrap_or_else(|_| ws.dir().to_path_buf())
    };
    let path = |file: &str| dir.join(file);
    // Where the key is, or would be in the workspace (signed from a request: it is elsewhere).
    let key = |e: &Entity| path(e.key.as_deref().unwrap_or(&format!("{}.key", e.name)));
    let intermediates = |e: &Entity| {
        e.issuer
            .as_deref()
            .and_then(|i| ws.entity(i))
            .filter(|i| i.role == Role::Intermediate)
            .map(|i| path(&i.cert))
    };
    Ok(Values {
        certbench: "certbench".into(),
        workspace: if relative {
            PathBuf::from(".")
        } else {
            dir.clone()
        },
        ca: path(&server_root.cert),
        server_cert: path(&server.cert),
        server_chain: path(server.chain.as_deref().unwrap_or(&server.cert)),
        server_key: key(server),
        server_key_elsewhere: server.key.is_none().then(|| server.name.clone()),
        server_revoked: server.revoked.is_some().then(|| server.name.clone()),
        server_intermediates: intermediates(server),
        client_name: client.name.clone(),
        client_cert: path(&client.cert),
        client_chain: path(client.chain.as_deref().unwrap_or(&client.cert)),
        client_key: key(client),
        client_key_elsewhere: client.key.is_none().then(|| client.name.clone()),
        client_revoked: client.revoked.is_some().then(|| client.name.clone()),
        client_intermediates: intermediates(client),
        host: host.clone(),
        host_is_local,
        port,
    })
}

/// The leaf named `name`, or the default one of `role`.
fn leaf<'w>(ws: &'w Workspace, name: Option<&str>, role: Role) -> Result<&'w Entity, RecipeError> {
    match name {
        Some(n) => {
            let e = ws
                .entity(n)
                .ok_or_else(|| RecipeError::UnknownEntity { name: n.into() })?;
            if !e.role.is_leaf() {
                return Err(RecipeError::NotALeaf {
                    name: n.into(),
                    role: e.role.title(),
                });
            }
            // A certificate for both (serverAuth and clientAuth) serves either side.
            let usage = match role {
                Role::Client => "1.3.6.1.5.5.7.3.2",
                _ => "1.3.6.1.5.5.7.3.1",
            };
            let for_both = || {
                names_and_usages(&ws.path(&e.cert))
                    .1
                    .iter()
                    .any(|u| u == usage)
            };
            if e.role != role && !for_both() {
                return Err(RecipeError::WrongRole {
                    name: n.into(),
                    role: e.role.title(),
                    side: role.title(),
                });
            }
            // A certificate signed from a request: its recipes name where its key would be,
            // and say so (`Problem::KeyElsewhere`).
            Ok(e)
        }
        None => {
            // The role's own name first, then any whose key the workspace holds, then any.
            let usable = |e: &&Entity| e.role == role && e.key.is_some() && e.revoked.is_none();
            let any = |e: &&Entity| e.role == role && e.revoked.is_none();
            ws.entity(role.as_str())
                .filter(usable)
                .or_else(|| ws.entities().iter().find(usable))
                .or_else(|| ws.entities().iter().find(any))
                .ok_or_else(|| {
                    let revoked: Vec<&str> = ws
                        .entities()
                        .iter()
                        .filter(|e| e.role == role && e.revoked.is_some())
                        .map(|e| e.name.as_str())
                        .collect();
                    match revoked.is_empty() {
                        true => RecipeError::NoneOfRole { role: role.title() },
                        false => RecipeError::AllRevoked {
                            role: role.title(),
                            names: revoked.join(", "),
                        },
                    }
                })
        }
    }
}

fn root_of<'w>(ws: &'w Workspace, e: &'w Entity) -> Result<&'w Entity, RecipeError> {
    ws.root_of(e).ok_or_else(|| RecipeError::NoRoot {
        name: e.name.clone(),
    })
}

/// The certificate's names (DNS and IP SANs, in order) and extended key usages (OIDs).
fn names_and_usages(cert: &Path) -> (Vec<String>, Vec<String>) {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    use x509_parser::extensions::{GeneralName, ParsedExtension};
    use x509_parser::prelude::FromDer;
    let Ok(der) = CertificateDer::from_pem_file(cert) else {
        return (vec![], vec![]);
    };
    let Ok((_, c)) = x509_parser::certificate::X509Certificate::from_der(&der) else {
        return (vec![], vec![]);
    };
    let mut names = Vec::new();
    let mut usages = Vec::new();
    for ext in c.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::SubjectAlternativeName(san) => {
                for n in &san.general_names {
                    match n {
                        GeneralName::DNSName(d) if !d.starts_with('*') => names.push(d.to_string()),
                        GeneralName::IPAddress(b) => {
                            if let Ok(a) = <[u8; 4]>::try_from(*b) {
                                names.push(std::net::Ipv4Addr::from(a).to_string());
                            } else if let Ok(a) = <[u8; 16]>::try_from(*b) {
                                names.push(std::net::Ipv6Addr::from(a).to_string());
                            }
                        }
                        _ => {}
                    }
                }
            }
            ParsedExtension::ExtendedKeyUsage(_) => {
                usages = certbench_x509::report::eku_oids(ext.value);
            }
            _ => {}
        }
    }
    (names, usages)
}

/// Whether `host` reaches where the server recipes listen: 127.0.0.1 (an address that is it,
/// or a name that resolves to it; clients try each address a name has).
fn is_local(host: &str) -> bool {
    use std::net::ToSocketAddrs;
    let here = std::net::IpAddr::from([127, 0, 0, 1]);
    (host, 0)
        .to_socket_addrs()
        .map(|mut addrs| addrs.any(|a| a.ip() == here))
        .unwrap_or(false)
}

/// The name clients ask for: one of the certificate's names that is this machine (localhost,
/// 127.0.0.1, ::1, or a name that resolves here), else its first name.
fn server_name(names: &[String]) -> Option<(String, bool)> {
    let preferred = ["localhost", "127.0.0.1"];
    names
        .iter()
        .find(|n| preferred.contains(&n.as_str()))
        .map(|n| (n.clone(), true))
        .or_else(|| {
            names
                .iter()
                .find(|n| is_local(n))
                .map(|n| (n.clone(), true))
        })
        .or_else(|| names.first().map(|n| (n.clone(), false)))
}

#[derive(Debug, Deserialize)]
struct Template {
    title: String,
    #[serde(default)]
    files: Vec<String>,
    run: String,
    #[serde(default)]
    notes: Vec<NoteTemplate>,
}

#[derive(Debug, Deserialize)]
struct NoteTemplate {
    line: String,
    why: String,
}

const TABLE: &str = include_str!("../../../assets/recipes.toml");

/// assets/recipes.toml: the templates by tool and then side, and the problems' words.
#[derive(Debug, Deserialize, Default)]
struct RecipeTable {
    #[serde(default)]
    problems: HashMap<String, String>,
    #[serde(flatten)]
    tools: HashMap<String, HashMap<String, Template>>,
}

fn table() -> &'static RecipeTable {
    static CELL: OnceLock<RecipeTable> = OnceLock::new();
    CELL.get_or_init(|| toml::from_str(TABLE).unwrap_or_default())
}

/// The recipes' templates, by tool and then side.
fn templates() -> &'static HashMap<String, HashMap<String, Template>> {
    &table().tools
}

/// A file template by the recipe's tool and side and the file's name.
fn file_template(tool: Tool, side: Side, name: &str) -> Option<&'static str> {
    Some(match (tool, side, name) {
        (Tool::Nginx, Side::Server, "nginx.conf") => {
            include_str!("../../../assets/recipes/nginx-server.conf")
        }
        (Tool::Go, Side::Server, "server.go") => {
            include_str!("../../../assets/recipes/go-server.go")
        }
        (Tool::Go, Side::Client, "client.go") => {
            include_str!("../../../assets/recipes/go-client.go")
        }
        (Tool::Node, Side::Server, "server.js") => {
            include_str!("../../../assets/recipes/node-server.js")
        }
        (Tool::Node, Side::Client, "client.js") => {
            include_str!("../../../assets/recipes/node-client.js")
        }
        (Tool::Python, Side::Server, "server.py") => {
            include_str!("../../../assets/recipes/python-server.py")
        }
        (Tool::Python, Side::Client, "client.py") => {
            include_str!("../../../assets/recipes/python-client.py")
        }
        (Tool::Java, Side::Client, "Client.java") => {
            include_str!("../../../assets/recipes/java-Client.java")
        }
        _ => return None,
    })
}

/// How a value is written where it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quoting {
    /// A POSIX shell word.
    Shell,
    /// A double-quoted string literal (Go, JavaScript, Python, Java).
    StringLiteral,
    /// An nginx configuration string.
    Nginx,
}

fn quoting_of(file: &str) -> Quoting {
    match file.rsplit_once('.').map(|(_, ext)| ext) {
        Some("conf") => Quoting::Nginx,
        Some("go" | "js" | "py" | "java") => Quoting::StringLiteral,
        _ => Quoting::Shell,
    }
}

fn quote(value: &str, how: Quoting) -> String {
    match how {
        Quoting::Shell => certbench_base::text::shell_word(Path::new(value)),
        // JSON's escapes are also Go's, JavaScript's, Python's and Java's.
        Quoting::StringLiteral => {
            serde_json::to_string(value).unwrap_or_else(|_| format!("\"{value}\""))
        }
        Quoting::Nginx => format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\"")),
    }
}

impl Values {
    /// A template's value by name; `Some(None)` for a value this workspace does not have (the
    /// line is left out), `None` for a name that is not a value.
    fn get(&self, name: &str) -> Option<Option<String>> {
        let p = |p: &Path| Some(p.display().to_string());
        Some(match name {
            "certbench" => Some(self.certbench.clone()),
            "workspace" => p(&self.workspace),
            "ca" => p(&self.ca),
            "server_cert" => p(&self.server_cert),
            "server_chain" => p(&self.server_chain),
            "server_key" => p(&self.server_key),
            "server_intermediates" => self.server_intermediates.as_deref().and_then(p),
            "client_name" => Some(self.client_name.clone()),
            "client_cert" => p(&self.client_cert),
            "client_chain" => p(&self.client_chain),
            "client_key" => p(&self.client_key),
            "client_intermediates" => self.client_intermediates.as_deref().and_then(p),
            "host" => Some(self.host.clone()),
            _ => return None,
        })
    }

    /// `host:port`, an IPv6 address in brackets.
    fn host_port(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// `template` with each `@name@` filled, quoted as `how` says; a line naming a value this
    /// workspace lacks is left out. `@port@` and `@host_port@` are written as they are.
    fn fill(&self, template: &str, how: Quoting) -> String {
        let mut out = String::new();
        for line in template.split_inclusive('\n') {
            let mut filled = String::new();
            let mut rest = line;
            let mut missing = false;
            while let Some(at) = rest.find('@') {
                filled.push_str(&rest[..at]);
                let after = &rest[at + 1..];
                let name_len = after
                    .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
                    .unwrap_or(after.len());
                let name = &after[..name_len];
                if name_len > 0 && after[name_len..].starts_with('@') {
                    let value = match name {
                        "port" => Some(Some(self.port.to_string())),
                        "host_port" => Some(Some(quote(&self.host_port(), how))),
                        _ => self.get(name).map(|v| v.map(|v| quote(&v, how))),
                    };
                    match value {
                        Some(Some(v)) => {
                            filled.push_str(&v);
                            rest = &after[name_len + 1..];
                            continue;
                        }
                        Some(None) => {
                            missing = true;
                            rest = &after[name_len + 1..];
                            continue;
                        }
                        None => {}
                    }
                }
                filled.push('@');
                rest = after;
            }
            filled.push_str(rest);
            if !missing {
                out.push_str(&filled);
            }
        }
        out
    }
}

/// The recipes for `tools` (all when empty), filled with `values`: for each tool its server,
/// then its client, where it has them.
pub fn recipes(values: &Values, tools: &[Tool]) -> Vec<Recipe> {
    let mut out = Vec::new();
    for tool in Tool::ALL {
        if !tools.is_empty() && !tools.contains(&tool) {
            continue;
        }
        for side in [Side::Server, Side::Client] {
            let Some(t) = templates()
                .get(tool.name())
                .and_then(|sides| sides.get(side.name()))
            else {
                continue;
            };
            let files: Vec<RecipeFile> = t
                .files
                .iter()
                .filter_map(|name| {
                    let template = file_template(tool, side, name)?;
                    Some(RecipeFile {
                        name: name.clone(),
                        text: values.fill(template, quoting_of(name)),
                    })
                })
                .collect();
            let run =
                tidy_continuations(&values.fill(t.run.trim_start_matches('\n'), Quoting::Shell));
            let notes = t
                .notes
                .iter()
                .filter_map(|n| {
                    // In a command, the option and its value; in a file, the whole line.
                    let in_run = run.lines().find_map(|l| {
                        let from = l.find(&n.line)?;
                        let phrase = &l[from..];
                        let end = phrase[n.line.len()..]
                            .find(" -")
                            .map_or(phrase.len(), |e| e + n.line.len());
                        Some(phrase[..end].trim_end_matches(['\\', ' ']).to_string())
                    });
                    let line = in_run.or_else(|| {
                        files
                            .iter()
                            .flat_map(|f| f.text.lines())
                            .find(|l| l.contains(&n.line))
                            .map(|l| l.trim().to_string())
                    })?;
                    Some(Note {
                        line,
                        why: n.why.clone(),
                    })
                })
                .collect();
            let mut problems = Vec::new();
            let elsewhere = match side {
                Side::Server => values
                    .server_key_elsewhere
                    .as_ref()
                    .map(|n| (n, &values.server_key)),
                Side::Client => values
                    .client_key_elsewhere
                    .as_ref()
                    .map(|n| (n, &values.client_key)),
            };
            match elsewhere {
                Some((name, _)) if tool == Tool::Java => {
                    problems.push(Problem::KeyStoreElsewhere {
                        name: name.clone(),
                        chain: values.client_chain.clone(),
                    })
                }
                Some((name, key)) => problems.push(Problem::KeyElsewhere {
                    name: name.clone(),
                    key: key.clone(),
                }),
                None => {}
            }
            let revoked = match side {
                Side::Server => &values.server_revoked,
                Side::Client => &values.client_revoked,
            };
            if let Some(name) = revoked {
                problems.push(Problem::Revoked { name: name.clone() });
            }
            if side == Side::Client && !values.host_is_local {
                problems.push(Problem::HostNotLocal {
                    host: values.host.clone(),
                });
            }
            if tool == Tool::Nginx {
                let paths = [
                    &values.ca,
                    &values.server_chain,
                    &values.server_key,
                    &values.workspace,
                ];
                if let Some(p) = paths.iter().find(|p| p.to_string_lossy().contains('$')) {
                    problems.push(Problem::DollarInPath {
                        path: p.to_path_buf(),
                    });
                }
            }
            out.push(Recipe {
                tool,
                side,
                title: t.title.clone(),
                files,
                run,
                notes,
                problems,
            });
        }
    }
    out
}

/// The recipes as Markdown: a heading each, its files and its commands in fenced blocks, then
/// the lines that matter.
pub fn markdown(all: &[Recipe]) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    for (i, r) in all.iter().enumerate() {
        if i > 0 {
            s.push('\n');
        }
        let _ = writeln!(s, "#### {}: {}\n", r.title, r.side.name());
        for f in &r.files {
            let lang = match f.name.rsplit_once('.').map(|(_, e)| e) {
                Some("conf") => "nginx",
                Some("py") => "python",
                Some(e) => e,
                None => "",
            };
            let _ = writeln!(s, "`{}`:\n\n```{lang}\n{}```\n", f.name, f.text);
        }
        let where_ = if r.files.is_empty() {
            String::new()
        } else {
            let names: Vec<&str> = r.files.iter().map(|f| f.name.as_str()).collect();
            format!(", in the folder of {}", names.join(", "))
        };
        let _ = writeln!(s, "Run{where_}:\n\n```sh\n{}\n```\n", r.run);
        for p in &r.problems {
            let _ = writeln!(s, "**Not as written here:** {}\n", p.text());
        }
        for n in &r.notes {
            let _ = writeln!(s, "- `{}`: {}", n.line, n.why);
        }
    }
    s.trim_end().to_string()
}

/// A command whose last lines were left out must not end in a line continuation.
fn tidy_continuations(run: &str) -> String {
    let trimmed = run.trim_end();
    trimmed
        .strip_suffix('\\')
        .map(|s| s.trim_end().to_string())
        .unwrap_or_else(|| trimmed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> Values {
        Values {
            certbench: "certbench".into(),
            workspace: "/w s".into(),
            ca: "/w s/ca.crt".into(),
            server_cert: "/w s/server.crt".into(),
            server_chain: "/w s/server-chain.crt".into(),
            server_key: "/w s/server.key".into(),
            server_intermediates: None,
            server_key_elsewhere: None,
            server_revoked: None,
            client_name: "client".into(),
            client_cert: "/w s/client.crt".into(),
            client_chain: "/w s/client \"x\".crt".into(),
            client_key: "/w s/client.key".into(),
            client_intermediates: Some("/w s/intermediate.crt".into()),
            client_key_elsewhere: None,
            client_revoked: None,
            host: "::1".into(),
            host_is_local: true,
            port: 8443,
        }
    }

    /// Every tool has its recipes, every template's files exist, every value named is one the
    /// workspace gives, every note's line is in its recipe; every problem has words.
    #[test]
    fn every_recipe_is_whole() {
        let parsed: RecipeTable = toml::from_str(TABLE).unwrap();
        assert_eq!(parsed.tools.len(), Tool::ALL.len());
        for p in [
            Problem::DollarInPath { path: "/$x".into() },
            Problem::KeyElsewhere {
                name: "svc".into(),
                key: "/w/svc.key".into(),
            },
            Problem::KeyStoreElsewhere {
                name: "svc".into(),
                chain: "/w/svc-chain.crt".into(),
            },
            Problem::HostNotLocal {
                host: "svc.internal".into(),
            },
        ] {
            assert!(parsed.problems.contains_key(p.code()), "{}", p.code());
            assert!(!p.text().contains('{'), "{}", p.text());
        }
        let v = Values {
            server_intermediates: Some("/w s/intermediate.crt".into()),
            ..values()
        };
        let all = recipes(&v, &[]);
        assert_eq!(all.len(), 11);
        for tool in Tool::ALL {
            assert!(all.iter().any(|r| r.tool == tool), "{tool:?}");
        }
        for (tool, sides) in templates() {
            for (side, t) in sides {
                let r = all
                    .iter()
                    .find(|r| r.tool.name() == tool && r.side.name() == side)
                    .unwrap_or_else(|| panic!("{tool}.{side} is not a tool and side"));
                assert_eq!(
                    r.files.len(),
                    t.files.len(),
                    "{tool}.{side}: a file is missing"
                );
                assert_eq!(r.notes.len(), t.notes.len(), "{tool}.{side}: a note's line");
                for text in std::iter::once(&r.run).chain(r.files.iter().map(|f| &f.text)) {
                    // No `@name@` is left unfilled.
                    for (i, _) in text.match_indices('@') {
                        let rest = &text[i + 1..];
                        let word: String = rest
                            .chars()
                            .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                            .collect();
                        assert!(
                            word.is_empty() || !rest[word.len()..].starts_with('@'),
                            "{tool}.{side}: @{word}@ left"
                        );
                    }
                }
            }
        }
    }

    /// Only 127.0.0.1 is where the server recipes listen: ::1 is not.
    #[test]
    fn local_means_where_the_servers_listen() {
        assert!(is_local("127.0.0.1"));
        assert!(!is_local("::1"));
        let names = vec!["::1".to_string(), "127.0.0.1".to_string()];
        assert_eq!(server_name(&names), Some(("127.0.0.1".to_string(), true)));
    }

    /// Values are quoted for where they go; a line whose value is missing is left out, and the
    /// command then does not end in a continuation.
    #[test]
    fn values_are_quoted_for_their_file() {
        let v = values();
        let all = recipes(&v, &[Tool::Openssl, Tool::Go, Tool::Nginx]);
        let server = &all[0];
        assert!(
            server.run.contains("-cert '/w s/server.crt'"),
            "{}",
            server.run
        );
        assert!(!server.run.contains("-cert_chain"), "{}", server.run);
        assert!(!server.run.ends_with('\\'));
        let client = &all[1];
        assert!(
            client.run.contains("-connect '[::1]:8443'"),
            "{}",
            client.run
        );
        assert!(client.run.contains("-cert_chain '/w s/intermediate.crt'"));
        let go = all
            .iter()
            .find(|r| r.tool == Tool::Go && r.side == Side::Client);
        let text = &go.unwrap().files[0].text;
        assert!(
            text.contains(r#"tls.LoadX509KeyPair("/w s/client \"x\".crt", "/w s/client.key")"#),
            "{text}"
        );
        assert!(text.contains("strconv.Itoa(8443)"), "{text}");
        let nginx = all.iter().find(|r| r.tool == Tool::Nginx).unwrap();
        assert!(
            nginx.files[0]
                .text
                .contains("ssl_certificate \"/w s/server-chain.crt\";"),
            "{}",
            nginx.files[0].text
        );
        // Text that only looks like a value stays as it is.
        assert_eq!(v.fill("a@b.c @nope@ @@", Quoting::Shell), "a@b.c @nope@ @@");
    }
}
