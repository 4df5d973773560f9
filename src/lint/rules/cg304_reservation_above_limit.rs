use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::{Finding, Severity};
use crate::lint::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a reservation above the limit of the same resource:
    ///
    /// - memory: `deploy.resources.reservations.memory` (or `mem_reservation`) above
    ///   `deploy.resources.limits.memory` (or `mem_limit`): an error;
    /// - CPU: `deploy.resources.reservations.cpus` above `deploy.resources.limits.cpus` (or
    ///   `cpus`): a warning.
    ///
    /// Values are read as Compose reads them: memory in bytes with `b`, `k`, `m`, `g` units
    /// (1024-based, `512m`, `1.5GiB`), CPUs as a number or a numeric string. The `deploy` value
    /// wins over the service-level key when both are set (Compose refuses different values).
    /// Values with an unset variable are not compared.
    ///
    /// ## Why is this bad?
    /// The memory reservation is a floor the kernel tries to keep, the limit a ceiling. Docker
    /// refuses to create the container: `Minimum memory limit can not be less than memory
    /// reservation limit`. Docker Compose ignores CPU reservations (they are a Swarm placement
    /// setting); under Swarm a CPU reservation above the limit makes the scheduler set aside
    /// CPU the task can never use.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   search:
    ///     image: opensearchproject/opensearch:2.17.1
    ///     deploy:
    ///       resources:
    ///         limits:
    ///           memory: 2g
    ///         reservations:
    ///           memory: 4g
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   search:
    ///     image: opensearchproject/opensearch:2.17.1
    ///     deploy:
    ///       resources:
    ///         limits:
    ///           memory: 4g
    ///         reservations:
    ///           memory: 2g
    /// ```
    pub struct ReservationAboveLimit {
        code: "CG304",
        name: "reservation-above-limit",
        category: Resources,
        severity: Error,
        summary: "a memory or CPU reservation is above the limit",
    }
}

/// Bytes in a human unit (`1.5 GiB`, `512 MiB`, `300 KiB`, `12 B`).
pub fn human_bytes(bytes: i64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = bytes as f64;
    let mut unit = "B";
    for u in UNITS {
        if value.abs() < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = u;
    }
    if unit == "B" {
        return format!("{bytes} B");
    }
    let text = format!("{value:.1}");
    let text = text.strip_suffix(".0").unwrap_or(&text);
    format!("{text} {unit}")
}

impl Rule for ReservationAboveLimit {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            if let (Some(res), Some(limit)) = (s.memory_reservation(), s.memory_limit())
                && let (Some(r), Some(l)) = (res.bytes, limit.bytes)
                && l > 0
                && r > l
            {
                out.push(
                    self.finding(
                        cx,
                        res.path.clone(),
                        format!(
                            "service `{}` reserves {} of memory, more than its {} limit",
                            s.name,
                            human_bytes(r),
                            human_bytes(l)
                        ),
                    )
                    .label(format!("reservation {}", human_bytes(r)))
                    .related(cx.file, limit.path.clone(), format!("limit {}", human_bytes(l)))
                    .service(s.name)
                    .help("Docker refuses to create the container; lower the reservation to at most the limit, or raise the limit")
                    .build(),
                );
            }
            if let (Some(res), Some(limit)) = (
                s.cpu_count("deploy.resources.reservations.cpus"),
                s.cpu_limit(),
            ) && let (Some(r), Some(l)) = (res.cpus, limit.cpus)
                && l > 0.0
                && r > l
            {
                let mut f = self
                    .finding(
                        cx,
                        res.path.clone(),
                        format!(
                            "service `{}` reserves {r} CPUs, more than its limit of {l}",
                            s.name
                        ),
                    )
                    .label(format!("reservation {r} CPUs"))
                    .related(cx.file, limit.path.clone(), format!("limit {l} CPUs"))
                    .service(s.name)
                    .help("Docker Compose ignores CPU reservations (a Swarm setting) and Swarm would set aside CPU the task cannot use; lower the reservation to at most the limit")
                    .build();
                f.severity = f.severity.min(Severity::Warning);
                out.push(f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::finding::Severity;
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG304", yaml))
    }

    #[test]
    fn reservations_above_limits() {
        assert_eq!(
            run("services:\n  a:\n    image: x:1\n    mem_limit: 1g\n    mem_reservation: 1025m\n"),
            ["CG304@5"]
        );
        assert_eq!(
            run(
                "services:\n  a:\n    image: x:1\n    deploy:\n      resources:\n        limits: {memory: 512M}\n        reservations: {memory: '1gb'}\n"
            ),
            ["CG304@7"]
        );
        // Mixed: service-level limit, deploy reservation.
        assert_eq!(
            run(
                "services:\n  a:\n    image: x:1\n    mem_limit: 536870912\n    deploy: {resources: {reservations: {memory: 1g}}}\n"
            ),
            ["CG304@5"]
        );
        let d = crate::lint::rules::cg301_missing_memory_limit::lint_default(
            "CG304",
            "services:\n  a:\n    image: x:1\n    cpus: 0.5\n    deploy: {resources: {reservations: {cpus: '1'}}}\n",
        );
        assert_eq!(codes(&d), ["CG304@5"]);
        assert_eq!(d[0].severity, Severity::Warning);
        let d = crate::lint::rules::cg301_missing_memory_limit::lint_default(
            "CG304",
            "services:\n  a:\n    image: x:1\n    mem_limit: 1g\n    mem_reservation: 2g\n",
        );
        assert!(
            d[0].message.contains("2 GiB") && d[0].message.contains("1 GiB"),
            "{}",
            d[0].message
        );
    }

    #[test]
    fn reservations_within_limits() {
        assert!(
            run("services:\n  a:\n    image: x:1\n    mem_limit: 1g\n    mem_reservation: 1024m\n")
                .is_empty()
        );
        assert!(run("services:\n  a:\n    image: x:1\n    mem_reservation: 2g\n").is_empty());
        assert!(run("services:\n  a:\n    image: x:1\n    mem_limit: ${LIMIT}\n    mem_reservation: 2g\n").is_empty());
        assert!(run("services:\n  a:\n    image: x:1\n    deploy: {resources: {limits: {cpus: '2'}, reservations: {cpus: 1.5}}}\n").is_empty());
    }

    #[test]
    fn units() {
        assert_eq!(super::human_bytes(1_610_612_736), "1.5 GiB");
        assert_eq!(super::human_bytes(512 * 1024 * 1024), "512 MiB");
        assert_eq!(super::human_bytes(512), "512 B");
    }
}
