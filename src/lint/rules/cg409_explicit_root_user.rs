use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a service that is told to run as root: `user: root`, `user: "0"`, or with a
    /// group (`root:root`, `"0:0"`, `0:1000` …). Only the user part counts: `1000:0` runs as
    /// user 1000.
    ///
    /// Services without `user:` run as whatever user the image chose and are not reported:
    /// the image may already run as an unprivileged user, and composegen cannot see it.
    ///
    /// ## Why is this bad?
    /// An explicit `user: root` overrides the unprivileged user an image may have been built
    /// to run as (Grafana, Prometheus, Bitnami images …). Root in a container is root on the
    /// host for every file it can reach through a mount, for the kernel's attack surface and
    /// for any capability or device the container is given: an escape from a root process is
    /// an escape as root. It is usually there to work around a permission problem on a bind
    /// mount, which `chown` on the host fixes for good.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   grafana:
    ///     image: grafana/grafana-oss:11.3.0
    ///     user: root
    ///     volumes:
    ///       - ./grafana:/var/lib/grafana
    /// ```
    ///
    /// ## Use instead
    /// Give the directory to the image's user on the host (`chown -R 472:0 ./grafana`), and
    /// let the image pick its user or name an unprivileged one:
    /// ```yaml
    /// services:
    ///   grafana:
    ///     image: grafana/grafana-oss:11.3.0
    ///     user: "472"
    ///     volumes:
    ///       - ./grafana:/var/lib/grafana
    /// ```
    pub struct ExplicitRootUser {
        code: "CG409",
        name: "explicit-root-user",
        category: Security,
        severity: Warning,
        summary: "a service is set to run as root (`user: root`, `user: \"0\"`)",
    }
}

impl Rule for ExplicitRootUser {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            let Some(v) = s.str("user") else { continue };
            if !v.known() {
                continue;
            }
            let user = v.value.trim().split(':').next().unwrap_or_default().trim();
            if user != "root" && user != "0" {
                continue;
            }
            out.push(
                self.finding(cx, s.at("user"), format!("`{}` runs as root (`user: {}`)", s.name, v.value.trim()))
                    .label("root in the container")
                    .service(s.name)
                    .help("remove `user:` to keep the image's user, or name an unprivileged one (`user: \"1000:1000\"`); fix bind-mount permissions on the host with `chown`")
                    .build(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG409", yaml))
    }

    #[test]
    fn root() {
        for user in ["root", "'0'", "'0:0'", "root:root", "'0:1000'", "' root '"] {
            assert_eq!(
                run(&format!(
                    "services:\n  a:\n    image: x\n    user: {user}\n"
                )),
                ["CG409@4"],
                "{user}"
            );
        }
    }

    #[test]
    fn not_root() {
        for user in [
            "postgres",
            "'1000'",
            "'1000:0'",
            "nobody:root",
            "'${UID}:${GID}'",
            "rooty",
        ] {
            assert!(
                run(&format!(
                    "services:\n  a:\n    image: x\n    user: {user}\n"
                ))
                .is_empty(),
                "{user}"
            );
        }
        assert!(run("services:\n  a:\n    image: x\n").is_empty());
    }
}
