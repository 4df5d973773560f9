use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg301_missing_memory_limit::{MissingText, long_running, report_missing};
use crate::lint::view::Service;

declare_rule! {
    /// ## What it does
    /// Reports a long-running service without a healthcheck: it has no `healthcheck:` and its
    /// image is not known to ship a `HEALTHCHECK` (`healthcheck: true` in composegen's image
    /// table; see `composegen explain CG206` to add your own images).
    ///
    /// One-shot jobs, services that `extends` another one and files merged with another one are
    /// not reported (see CG301 for how a one-shot job is recognised). When no
    /// service of the file has a healthcheck, the file gets one finding on `services:`.
    /// A disabled healthcheck is CG602's business.
    ///
    /// ## Why is this bad?
    /// Without a healthcheck Docker only knows whether the process runs, not whether the service
    /// works: `depends_on` can only wait for the container to start (not for the database to
    /// accept connections), `docker compose up --wait` returns too early, and `docker ps` shows
    /// a hung service as `Up`. Plain Docker does not restart unhealthy containers, so the
    /// severity is info.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:16.4
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:16.4
    ///     healthcheck:
    ///       test: [CMD-SHELL, pg_isready -U postgres]
    ///       interval: 10s
    ///       timeout: 5s
    ///       retries: 5
    /// ```
    pub struct MissingHealthcheck {
        code: "CG601",
        name: "missing-healthcheck",
        category: Health,
        severity: Info,
        summary: "a long-running service has no healthcheck and its image ships none",
    }
}

/// Whether the image is known to ship a Dockerfile `HEALTHCHECK`.
pub fn image_has_healthcheck(cx: &Context<'_>, s: &Service<'_>) -> bool {
    s.image_repository()
        .and_then(|r| cx.images.lookup(&r))
        .is_some_and(|e| e.healthcheck)
}

impl Rule for MissingHealthcheck {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let services = long_running(cx);
        let missing: Vec<&Service<'_>> = services
            .iter()
            .filter(|s| s.get("healthcheck").is_none() && !image_has_healthcheck(cx, s))
            .collect();
        report_missing(
            self,
            cx,
            out,
            services.len(),
            &missing,
            &MissingText {
                message: &|name| format!("service `{name}` has no healthcheck"),
                all_message: &|names| format!("no service has a healthcheck ({names})"),
                label: "no healthcheck",
                help: "add a `healthcheck:` whose `test` checks that the service answers (`[CMD, curl, -f, http://localhost:8080/health]`, `[CMD-SHELL, pg_isready -U postgres]`); if the image has a HEALTHCHECK, say so in `.composegen.yaml` (`images: [{images: [NAME], healthcheck: true}]`)",
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG601", yaml))
    }

    #[test]
    fn missing() {
        assert_eq!(
            run(
                "services:\n  db:\n    image: postgres:16\n  web:\n    image: nginx:1.27\n    healthcheck:\n      test: [CMD, curl, -f, http://localhost]\n"
            ),
            ["CG601@2"]
        );
        assert_eq!(
            run("services:\n  db:\n    image: postgres:16\n  web:\n    image: nginx:1.27\n"),
            ["CG601@1"]
        );
    }

    #[test]
    fn long_running_commands_are_reported() {
        assert_eq!(
            run(
                "services:\n  w:\n    image: alpine:3.20\n    command: sh -c 'mkdir -p /x && sleep infinity'\n"
            ),
            ["CG601@2"]
        );
        assert_eq!(
            run(
                "services:\n  w:\n    image: alpine:3.20\n    command: sh -c 'while true; do echo hi; sleep 1; done'\n"
            ),
            ["CG601@2"]
        );
        assert_eq!(
            run(
                "services:\n  w:\n    image: alpine:3.20\n    command: echo hi\n    restart: always\n"
            ),
            ["CG601@2"]
        );
    }

    #[test]
    fn not_missing() {
        // The image ships a HEALTHCHECK.
        assert!(run("services:\n  c:\n    image: gcr.io/cadvisor/cadvisor:v0.49.1\n").is_empty());
        // Healthcheck set, or disabled (CG602), one-shot jobs.
        assert!(
            run("services:\n  a:\n    image: x:1\n    healthcheck: {disable: true}\n").is_empty()
        );
        assert!(run("services:\n  setup:\n    image: x:1\n    command: [./setup.sh]\n    restart: \"no\"\n").is_empty());
        // Programs that exit by themselves.
        assert!(run("services:\n  perms:\n    image: busybox:1.37\n    command: chown -R 1000:1000 /data\n").is_empty());
        assert!(
            run("services:\n  w:\n    image: alpine:3.20\n    command: sh -c 'echo ok > /done'\n")
                .is_empty()
        );
        assert!(run("services:\n  init:\n    image: x:1\n  app:\n    image: y:1\n    healthcheck: {test: [CMD, 'true']}\n    depends_on:\n      init: {condition: service_completed_successfully}\n").is_empty());
    }

    /// visibilityspots/cloudflared ships a HEALTHCHECK; busybox and linuxserver/plex do not.
    #[test]
    fn healthchecks_of_the_corpus_images() {
        assert_eq!(
            run(
                "services:\n  c:\n    image: visibilityspots/cloudflared\n  p:\n    image: linuxserver/plex\n"
            ),
            ["CG601@4"]
        );
    }
}
