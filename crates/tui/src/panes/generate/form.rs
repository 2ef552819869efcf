//! The Issue form: text as the user typed it, bound to an `IssueSpec`, checked on every change.

use std::collections::HashMap;

use certbench_pki::{ExtKeyUsage, Field, FieldError, IssueSpec, KeyAlg, KeyUsage, RequestProblem};
use certbench_x509::Role;
use time::OffsetDateTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FormField {
    Role,
    Name,
    Issuer,
    KeyAlg,
    CommonName,
    Organization,
    OrganizationalUnit,
    Country,
    Sans,
    NotBefore,
    Days,
    PathLen,
    PermittedDns,
    ExcludedDns,
    PermittedIp,
    ExcludedIp,
    KeyUsage,
    ExtKeyUsage,
    OcspUrl,
    CrlUrl,
    IssueButton,
}

impl FormField {
    pub const ALL: [FormField; 21] = [
        FormField::Role,
        FormField::Name,
        FormField::Issuer,
        FormField::KeyAlg,
        FormField::CommonName,
        FormField::Organization,
        FormField::OrganizationalUnit,
        FormField::Country,
        FormField::Sans,
        FormField::NotBefore,
        FormField::Days,
        FormField::PathLen,
        FormField::PermittedDns,
        FormField::ExcludedDns,
        FormField::PermittedIp,
        FormField::ExcludedIp,
        FormField::KeyUsage,
        FormField::ExtKeyUsage,
        FormField::OcspUrl,
        FormField::CrlUrl,
        FormField::IssueButton,
    ];

    pub fn label(self) -> &'static str {
        match self {
            FormField::Role => "Role",
            FormField::Name => "Name",
            FormField::Issuer => "Issuer",
            FormField::KeyAlg => "Key type",
            FormField::CommonName => "CN",
            FormField::Organization => "O",
            FormField::OrganizationalUnit => "OU",
            FormField::Country => "C",
            FormField::Sans => "SANs",
            FormField::NotBefore => "Not before",
            FormField::Days => "Days",
            FormField::PathLen => "Path length",
            FormField::PermittedDns => "Permit DNS",
            FormField::ExcludedDns => "Exclude DNS",
            FormField::PermittedIp => "Permit IP",
            FormField::ExcludedIp => "Exclude IP",
            FormField::KeyUsage => "Key usage",
            FormField::ExtKeyUsage => "Ext. usage",
            FormField::OcspUrl => "OCSP URL",
            FormField::CrlUrl => "CRL URL",
            FormField::IssueButton => "",
        }
    }

    pub fn is_choice(self) -> bool {
        matches!(
            self,
            FormField::Role | FormField::Issuer | FormField::KeyAlg
        )
    }

    pub fn is_text(self) -> bool {
        !self.is_choice() && self != FormField::IssueButton
    }

    /// Fields that mean something for CAs only.
    pub fn ca_only(self) -> bool {
        matches!(
            self,
            FormField::PathLen
                | FormField::PermittedDns
                | FormField::ExcludedDns
                | FormField::PermittedIp
                | FormField::ExcludedIp
        )
    }

    /// Fields a root CA does not have: nobody asks whether a root is revoked.
    pub fn not_for_root(self) -> bool {
        matches!(self, FormField::OcspUrl | FormField::CrlUrl)
    }

    /// Shown in an empty field.
    pub fn placeholder(self) -> &'static str {
        match self {
            FormField::Sans => "none (e.g. localhost, 127.0.0.1, email:a@b, uri:spiffe://td/x)",
            FormField::NotBefore => "now (or -400d, +2d, 2026-01-01T00:00:00Z)",
            FormField::PathLen => "no limit",
            FormField::PermittedDns | FormField::ExcludedDns => {
                "none (e.g. example.com, .corp.example)"
            }
            FormField::PermittedIp | FormField::ExcludedIp => "none (e.g. 10.0.0.0/8, fd00::/8)",
            FormField::OcspUrl => "none (e.g. http://127.0.0.1:8888)",
            FormField::CrlUrl => "none (e.g. http://127.0.0.1:8888/{issuer}.crl)",
            FormField::OrganizationalUnit
            | FormField::Country
            | FormField::Organization
            | FormField::CommonName => "-",
            _ => "",
        }
    }

    fn of(field: Field) -> FormField {
        match field {
            Field::Name => FormField::Name,
            Field::Role => FormField::Role,
            Field::Issuer => FormField::Issuer,
            Field::CommonName => FormField::CommonName,
            Field::Organization => FormField::Organization,
            Field::OrganizationalUnit => FormField::OrganizationalUnit,
            Field::Country => FormField::Country,
            Field::Sans => FormField::Sans,
            Field::KeyAlg => FormField::KeyAlg,
            Field::NotBefore => FormField::NotBefore,
            Field::Days => FormField::Days,
            Field::PathLen => FormField::PathLen,
            Field::PermittedDns => FormField::PermittedDns,
            Field::ExcludedDns => FormField::ExcludedDns,
            Field::PermittedIp => FormField::PermittedIp,
            Field::ExcludedIp => FormField::ExcludedIp,
            Field::KeyUsage => FormField::KeyUsage,
            Field::ExtKeyUsage => FormField::ExtKeyUsage,
            Field::OcspUrl => FormField::OcspUrl,
            Field::CrlUrl => FormField::CrlUrl,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct IssueForm {
    pub role: Role,
    pub key_alg: KeyAlg,
    pub issuer: String,
    text: HashMap<FormField, String>,
    /// The index of the selected field among [`IssueForm::fields`].
    pub selected: usize,
    /// While typing: the value before the edit, to put back on Esc.
    pub editing: Option<String>,
    /// A field reached with Tab: its value is shown selected, and what is typed first replaces
    /// it (as in any form); Enter on a field edits the value as it is.
    pub replace_on_type: bool,
    /// The CN is kept equal to the name (clients), the first SAN (servers) or the CA name the
    /// name gives (CAs) until the user types in it.
    cn_follows: bool,
    /// The workspace's set id, which a CA's default name carries.
    set_id: String,
}

impl IssueForm {
    /// A form with the role's defaults and a name not taken yet.
    pub fn new(role: Role, taken: &[String], cas: &[String], set_id: &str) -> IssueForm {
        let mut form = IssueForm {
            role,
            key_alg: KeyAlg::default(),
            issuer: String::new(),
            text: HashMap::new(),
            selected: 0,
            editing: None,
            replace_on_type: false,
            cn_follows: false,
            set_id: set_id.to_string(),
        };
        form.apply_role_defaults(taken, cas);
        form
    }

    /// The fields this role has, in order: CA-only fields are not shown for leaves.
    pub fn fields(&self) -> Vec<FormField> {
        FormField::ALL
            .into_iter()
            .filter(|f| self.role.is_ca() || !f.ca_only())
            .filter(|f| self.role != Role::Ca || !f.not_for_root())
            .collect()
    }

    /// Select `field` (when this role has it).
    pub fn select(&mut self, field: FormField) {
        if let Some(i) = self.fields().iter().position(|f| *f == field) {
            self.selected = i;
        }
    }

    /// The next (or previous) text field from the selected one; `None` past the last (or
    /// before the first).
    pub fn next_text_field(&self, forward: bool) -> Option<FormField> {
        let fields = self.fields();
        let here = self.selected.min(fields.len().saturating_sub(1));
        let mut candidates: Box<dyn Iterator<Item = &FormField>> = if forward {
            Box::new(fields.iter().skip(here + 1))
        } else {
            Box::new(fields.iter().take(here).rev())
        };
        candidates.find(|f| f.is_text()).copied()
    }

    /// A change the user typed: the CN follows the name or the first SAN until it is typed in
    /// itself.
    pub fn edit_text(&mut self, f: FormField, v: impl Into<String>) {
        self.text.insert(f, v.into());
        if f == FormField::CommonName {
            self.cn_follows = false;
        } else if self.cn_follows {
            let ca_name;
            let followed = match self.role {
                Role::Client if f == FormField::Name => Some(self.text(FormField::Name).trim()),
                Role::Ca | Role::Intermediate if f == FormField::Name => {
                    ca_name = IssueSpec::for_role_in(
                        self.role,
                        self.text(FormField::Name).trim(),
                        &self.set_id,
                    )
                    .subject
                    .common_name;
                    Some(ca_name.as_str())
                }
                // The first host name typed, never a SAN's type prefix; else the name.
                Role::Server if f == FormField::Sans || f == FormField::Name => {
                    ca_name =
                        certbench_pki::SanEntry::common_name_of(&list(self.text(FormField::Sans)))
                            .unwrap_or_else(|| self.text(FormField::Name).trim().to_string());
                    Some(ca_name.as_str())
                }
                _ => None,
            };
            if let Some(v) = followed {
                let v = v.to_string();
                self.text.insert(FormField::CommonName, v);
            }
        }
    }

    /// Put every field back to the role's defaults, keeping the key type.
    pub fn apply_role_defaults(&mut self, taken: &[String], cas: &[String]) {
        let name = free_name(self.role.as_str(), taken);
        let spec = IssueSpec::for_role_in(self.role, &name, &self.set_id);
        self.issuer = if self.role == Role::Ca {
            String::new()
        } else if cas.contains(&spec.issuer)
            && !(self.role == Role::Intermediate && spec.issuer == name)
        {
            spec.issuer.clone()
        } else {
            // Leaves prefer the deepest CA (an intermediate), intermediates the root.
            let pick = if self.role == Role::Intermediate {
                cas.first()
            } else {
                cas.last()
            };
            pick.cloned().unwrap_or_default()
        };
        let join = |v: &[String]| v.join(", ");
        let s = &spec.subject;
        for (f, v) in [
            (FormField::Name, name.clone()),
            (FormField::CommonName, s.common_name.clone()),
            (FormField::Organization, s.organization.clone()),
            (FormField::OrganizationalUnit, s.organizational_unit.clone()),
            (FormField::Country, s.country.clone()),
            (FormField::Sans, join(&spec.sans)),
            (FormField::NotBefore, String::new()),
            (FormField::Days, spec.days.to_string()),
            (
                FormField::PathLen,
                spec.path_len.map(|n| n.to_string()).unwrap_or_default(),
            ),
            (FormField::PermittedDns, String::new()),
            (FormField::ExcludedDns, String::new()),
            (FormField::PermittedIp, String::new()),
            (FormField::ExcludedIp, String::new()),
            (FormField::KeyUsage, String::new()),
            (FormField::ExtKeyUsage, String::new()),
            (FormField::OcspUrl, spec.ocsp_url.clone()),
            (FormField::CrlUrl, spec.crl_url.clone()),
        ] {
            self.text.insert(f, v);
        }
        self.cn_follows = true;
        let fields = self.fields().len();
        self.selected = self.selected.min(fields.saturating_sub(1));
    }

    /// The workspace's set id changed (a new `gen`): a CA name made from it follows.
    pub fn set_set_id(&mut self, set_id: &str) {
        if self.set_id == set_id {
            return;
        }
        self.set_id = set_id.to_string();
        if self.cn_follows && self.role.is_ca() {
            let name = self.text(FormField::Name).to_string();
            self.edit_text(FormField::Name, name);
        }
    }

    pub fn field(&self) -> FormField {
        let fields = self.fields();
        fields
            .get(self.selected.min(fields.len().saturating_sub(1)))
            .copied()
            .unwrap_or(FormField::Role)
    }

    pub fn text(&self, f: FormField) -> &str {
        self.text.get(&f).map(String::as_str).unwrap_or("")
    }

    #[cfg(test)]
    pub fn set_text(&mut self, f: FormField, v: impl Into<String>) {
        self.text.insert(f, v.into());
    }

    /// What a field shows: the text, or the choice.
    pub fn display_value(&self, f: FormField) -> String {
        match f {
            FormField::Role => self.role.title().to_string(),
            FormField::KeyAlg => self.key_alg.title().to_string(),
            FormField::Issuer if self.role == Role::Ca => "itself (self-signed)".into(),
            FormField::Issuer if self.issuer.is_empty() => "no CA yet".into(),
            FormField::Issuer => self.issuer.clone(),
            _ => self.text(f).to_string(),
        }
    }

    /// What an empty key usage field means.
    pub fn default_hint(&self, f: FormField) -> Option<String> {
        let spec = self.spec_lenient();
        match f {
            FormField::KeyUsage => Some(format!(
                "role default: {}",
                spec.effective_key_usages()
                    .iter()
                    .map(|k| k.openssl_name())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            FormField::ExtKeyUsage => {
                let e: Vec<_> = spec
                    .effective_ext_key_usages()
                    .iter()
                    .map(|k| k.openssl_name())
                    .collect();
                Some(if e.is_empty() {
                    "role default: none".into()
                } else {
                    format!("role default: {}", e.join(", "))
                })
            }
            _ => None,
        }
    }

    /// Move to the next or previous choice of a choice field.
    pub fn cycle(&mut self, forward: bool, cas: &[String], taken: &[String]) {
        fn step<T: Copy + PartialEq>(all: &[T], cur: T, forward: bool) -> T {
            let i = all.iter().position(|x| *x == cur).unwrap_or(0);
            let n = all.len();
            all[if forward {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            }]
        }
        match self.field() {
            FormField::Role => {
                self.role = step(&Role::ALL, self.role, forward);
                self.apply_role_defaults(taken, cas);
            }
            FormField::KeyAlg => self.key_alg = step(&KeyAlg::ALL, self.key_alg, forward),
            FormField::Issuer if self.role != Role::Ca && !cas.is_empty() => {
                let cur = cas.iter().position(|c| *c == self.issuer);
                let n = cas.len();
                let next = match cur {
                    Some(i) if forward => (i + 1) % n,
                    Some(i) => (i + n - 1) % n,
                    None => 0,
                };
                self.issuer = cas[next].clone();
            }
            _ => {}
        }
    }

    /// The request, with fields that do not parse left at their defaults.
    fn spec_lenient(&self) -> IssueSpec {
        self.to_spec().0
    }

    /// The request the form describes, and the errors in fields that did not parse.
    pub fn to_spec(&self) -> (IssueSpec, Vec<FieldError>) {
        let mut errors = Vec::new();
        let name = self.text(FormField::Name).trim().to_string();
        let mut spec = IssueSpec::for_role_in(self.role, &name, &self.set_id);
        spec.key_alg = self.key_alg;
        spec.issuer = self.issuer.clone();
        spec.subject.common_name = self.text(FormField::CommonName).trim().to_string();
        spec.subject.organization = self.text(FormField::Organization).trim().to_string();
        spec.subject.organizational_unit =
            self.text(FormField::OrganizationalUnit).trim().to_string();
        spec.subject.country = self.text(FormField::Country).trim().to_string();
        spec.sans = list(self.text(FormField::Sans));
        spec.not_before = self.text(FormField::NotBefore).trim().to_string();
        match certbench_pki::parse_days(self.text(FormField::Days)) {
            Ok(d) => spec.days = d,
            Err(e) => errors.push(FieldError {
                field: Field::Days,
                problem: e.into(),
            }),
        }
        // A leaf has no CA-only fields: whatever they held for a CA before is not asked for.
        let ca_field = |f: FormField| {
            if self.role.is_ca() { self.text(f) } else { "" }
        };
        let pathlen = ca_field(FormField::PathLen).trim();
        spec.path_len = if pathlen.is_empty() {
            None
        } else {
            match pathlen.parse::<u8>() {
                Ok(n) => Some(n),
                Err(_) => {
                    errors.push(FieldError {
                        field: Field::PathLen,
                        problem: RequestProblem::PathLenNotANumber,
                    });
                    None
                }
            }
        };
        spec.permitted_dns = list(ca_field(FormField::PermittedDns));
        spec.excluded_dns = list(ca_field(FormField::ExcludedDns));
        spec.permitted_ip = list(ca_field(FormField::PermittedIp));
        spec.excluded_ip = list(ca_field(FormField::ExcludedIp));
        if self.role != Role::Ca {
            spec.ocsp_url = self.text(FormField::OcspUrl).trim().to_string();
            spec.crl_url = self.text(FormField::CrlUrl).trim().to_string();
        }
        let kus = list(self.text(FormField::KeyUsage));
        if !kus.is_empty() {
            match kus
                .iter()
                .map(|k| k.parse::<KeyUsage>())
                .collect::<Result<Vec<_>, _>>()
            {
                Ok(k) => spec.key_usages = Some(k),
                Err(m) => errors.push(FieldError {
                    field: Field::KeyUsage,
                    problem: m.into(),
                }),
            }
        }
        let ekus = list(self.text(FormField::ExtKeyUsage));
        if !ekus.is_empty() {
            match ekus
                .iter()
                .map(|k| k.parse::<ExtKeyUsage>())
                .collect::<Result<Vec<_>, _>>()
            {
                Ok(k) => spec.ext_key_usages = Some(k),
                Err(m) => errors.push(FieldError {
                    field: Field::ExtKeyUsage,
                    problem: m.into(),
                }),
            }
        }
        (spec, errors)
    }

    /// Every problem, by form field: what did not parse, then what the engine says.
    pub fn errors(&self, cas: &[String], now: OffsetDateTime) -> Vec<(FormField, String)> {
        let (spec, mut errors) = self.to_spec();
        let unparsed: Vec<Field> = errors.iter().map(|e| e.field).collect();
        errors.extend(
            spec.validate(cas, now)
                .into_iter()
                .filter(|e| !unparsed.contains(&e.field)),
        );
        errors
            .into_iter()
            .map(|e| (FormField::of(e.field), e.problem.to_string()))
            .collect()
    }
}

fn list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(String::from)
        .collect()
}

/// `base`, or `base-2`, `base-3`, ... whichever is free.
pub fn free_name(base: &str, taken: &[String]) -> String {
    if !taken.iter().any(|t| t == base) {
        return base.to_string();
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|c| !taken.contains(c))
        .unwrap_or_else(|| base.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> OffsetDateTime {
        time::macros::datetime!(2026-11-22 12:00 UTC)
    }

    fn cas() -> Vec<String> {
        vec!["ca".into(), "intermediate".into()]
    }

    #[test]
    fn a_new_server_form_is_valid_and_named_freely() {
        let taken = vec!["ca".into(), "intermediate".into(), "server".into()];
        let form = IssueForm::new(Role::Server, &taken, &cas(), "");
        assert_eq!(form.text(FormField::Name), "server-2");
        assert_eq!(form.issuer, "intermediate");
        assert_eq!(form.errors(&cas(), now()), vec![]);
    }

    #[test]
    fn errors_point_at_the_field_as_the_user_types() {
        let mut form = IssueForm::new(Role::Server, &[], &cas(), "");
        form.set_text(FormField::Sans, "localhost, 10.0.0.300");
        form.set_text(FormField::Days, "a year");
        form.set_text(FormField::NotBefore, "-5é");
        let errors = form.errors(&cas(), now());
        let fields: Vec<FormField> = errors.iter().map(|e| e.0).collect();
        assert!(fields.contains(&FormField::Sans), "{errors:?}");
        assert!(fields.contains(&FormField::Days), "{errors:?}");
        assert!(fields.contains(&FormField::NotBefore), "{errors:?}");
    }

    #[test]
    fn the_cn_follows_the_name_until_it_is_typed_in() {
        let mut form = IssueForm::new(Role::Client, &["client".into()], &cas(), "");
        assert_eq!(form.text(FormField::CommonName), "client-2");
        form.edit_text(FormField::Name, "bob");
        assert_eq!(form.text(FormField::CommonName), "bob");
        form.edit_text(FormField::CommonName, "Bob Builder");
        form.edit_text(FormField::Name, "bob2");
        assert_eq!(form.text(FormField::CommonName), "Bob Builder");
        // A server's CN follows its first SAN.
        let mut form = IssueForm::new(Role::Server, &[], &cas(), "");
        form.edit_text(FormField::Sans, "api.internal, 10.0.0.5");
        assert_eq!(form.text(FormField::CommonName), "api.internal");
    }

    /// A CA's CN follows the name typed after the role was chosen, with the workspace's set id,
    /// so two CAs (or two workspaces' CAs) never share a name by default.
    #[test]
    fn a_ca_is_named_after_the_name_typed() {
        let mut form = IssueForm::new(Role::Ca, &cas(), &cas(), "5eed01");
        assert_eq!(form.text(FormField::Name), "ca-2");
        assert_eq!(
            form.text(FormField::CommonName),
            "certbench Root CA ca-2 5eed01"
        );
        form.edit_text(FormField::Name, "partners");
        assert_eq!(
            form.text(FormField::CommonName),
            "certbench Root CA partners 5eed01"
        );
        assert_eq!(
            form.to_spec().0.subject.common_name,
            "certbench Root CA partners 5eed01"
        );
        form.edit_text(FormField::CommonName, "Partners Root");
        form.edit_text(FormField::Name, "partners2");
        assert_eq!(form.text(FormField::CommonName), "Partners Root");
        // A new gen (a new set id) renames a CA whose CN was not typed in.
        let mut form = IssueForm::new(Role::Intermediate, &[], &cas(), "");
        form.edit_text(FormField::Name, "issuing");
        assert_eq!(
            form.text(FormField::CommonName),
            "certbench Intermediate CA issuing"
        );
        form.set_set_id("abc123");
        assert_eq!(
            form.text(FormField::CommonName),
            "certbench Intermediate CA issuing abc123"
        );
    }

    #[test]
    fn leaves_have_no_ca_only_fields() {
        let form = IssueForm::new(Role::Client, &[], &cas(), "");
        assert!(!form.fields().iter().any(|f| f.ca_only()));
        let form = IssueForm::new(Role::Intermediate, &[], &cas(), "");
        assert!(form.fields().contains(&FormField::PathLen));
    }

    #[test]
    fn changing_the_role_applies_its_defaults() {
        let mut form = IssueForm::new(Role::Server, &[], &cas(), "");
        form.selected = 0;
        form.cycle(true, &cas(), &[]);
        assert_eq!(form.role, Role::Client);
        assert_eq!(form.text(FormField::Sans), "");
        assert_eq!(
            form.default_hint(FormField::ExtKeyUsage).unwrap(),
            "role default: clientAuth"
        );
        form.cycle(true, &cas(), &[]);
        assert_eq!(form.role, Role::Ocsp);
        assert_eq!(
            form.default_hint(FormField::ExtKeyUsage).unwrap(),
            "role default: OCSPSigning"
        );
        form.cycle(true, &cas(), &[]);
        assert_eq!(form.role, Role::Ca);
        assert!(
            !form.fields().contains(&FormField::OcspUrl),
            "a root has no OCSP URL"
        );
        assert_eq!(
            form.display_value(FormField::Issuer),
            "itself (self-signed)"
        );
        assert_eq!(form.errors(&cas(), now()), vec![]);
    }

    #[test]
    fn custom_key_usages_parse_or_say_why_not() {
        let mut form = IssueForm::new(Role::Server, &[], &cas(), "");
        form.set_text(FormField::ExtKeyUsage, "serverAuth, clientAuth");
        assert_eq!(
            form.to_spec().0.ext_key_usages,
            Some(vec![ExtKeyUsage::ServerAuth, ExtKeyUsage::ClientAuth])
        );
        form.set_text(FormField::KeyUsage, "signEverything");
        assert!(
            form.errors(&cas(), now())
                .iter()
                .any(|e| e.0 == FormField::KeyUsage)
        );
    }
}
