use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::{Finding, Severity};
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg304_reservation_above_limit::human_bytes;
use crate::lint::view::{ByteSize, Service};

declare_rule! {
    /// ## What it does
    /// Reports memory and CPU settings that Docker refuses when it creates the container, or
    /// that Docker Compose silently ignores:
    ///
    /// - a memory limit (`mem_limit`, `deploy.resources.limits.memory`) or reservation below
    ///   6 MiB, including negative values: Docker refuses it (`Minimum memory limit allowed is
    ///   6MB`). A number without a unit is bytes: `mem_limit: 512` is 512 bytes;
    /// - `memswap_limit` below the memory limit, or without a memory limit;
    /// - `cpus` (or `deploy.resources.limits.cpus`) together with `cpu_quota` or `cpu_period`
    ///   (`Conflicting options`), a negative CPU count or one below 0.01, a `cpu_quota` below
    ///   1000 µs, a `cpu_period` outside 1000-1000000 µs;
    /// - `mem_limit`, `memswap_limit` or `shm_size` written as a YAML number with a fraction
    ///   (`mem_limit: 1.5`): Compose ignores it as if it were not set (a warning; Compose
    ///   rejects such a number for the other memory keys).
    ///
    /// Values are read as Compose reads them (`512m`, `1.5GiB`, 1024-based); values with an
    /// unset variable are not checked.
    ///
    /// ## Why is this bad?
    /// `docker compose config` accepts these values; `docker compose up` then fails to create
    /// the container with an error from the Docker Engine, or, for a number with a fraction,
    /// the container runs without the limit you wrote.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: ghcr.io/example/api:2.3.1
    ///     mem_limit: 512
    ///     memswap_limit: 256m
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   api:
    ///     image: ghcr.io/example/api:2.3.1
    ///     mem_limit: 512m
    ///     memswap_limit: 1g
    /// ```
    pub struct InvalidResourceLimit {
        code: "CG305",
        name: "invalid-resource-limit",
        category: Resources,
        severity: Error,
        summary: "a memory or CPU setting that Docker refuses, or that Compose ignores",
    }
}

/// Docker's smallest memory limit and reservation (`linuxMinMemory`).
pub const MIN_MEMORY: i64 = 6 * 1024 * 1024;

fn int_at(s: &Service<'_>, key: &str) -> Option<i64> {
    let v = s.str(key)?;
    if !v.known() {
        return None;
    }
    v.value.trim().parse().ok()
}

impl InvalidResourceLimit {
    fn too_small(
        &self,
        cx: &Context<'_>,
        s: &Service<'_>,
        what: &str,
        size: &ByteSize,
        out: &mut Vec<Finding>,
    ) {
        let Some(bytes) = size.bytes else { return };
        if bytes == 0 || bytes >= MIN_MEMORY {
            return;
        }
        let no_unit = size.raw.trim().chars().all(|c| c.is_ascii_digit());
        let help = if no_unit && bytes > 0 {
            format!(
                "a number without a unit is bytes: write `{}m` for {} MiB",
                size.raw.trim(),
                size.raw.trim()
            )
        } else {
            "set at least 6m (or remove the setting)".to_string()
        };
        out.push(
            self.finding(
                cx,
                size.path.clone(),
                format!(
                    "service `{}` sets a memory {what} of {}: Docker refuses anything below 6 MiB",
                    s.name,
                    human_bytes(bytes)
                ),
            )
            .label(format!("{} is {}", size.raw, human_bytes(bytes)))
            .service(s.name)
            .help(help)
            .build(),
        );
    }
}

impl Rule for InvalidResourceLimit {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            // Numbers with a fraction, which Compose ignores (it rejects them for the other
            // memory keys: their schema allows integers and strings only).
            for key in ["mem_limit", "memswap_limit", "shm_size"] {
                if let Some(size) = s.byte_size(key).filter(|b| b.float) {
                    let mut f = self
                        .finding(
                            cx,
                            size.path.clone(),
                            format!(
                                "`{key}: {}` of service `{}` is a number with a fraction, which Compose ignores",
                                size.raw, s.name
                            ),
                        )
                        .label("ignored: the container runs as if it were not set")
                        .service(s.name)
                        .help(format!("write it with a unit, as a string: `\"{}g\"` or `\"{}m\"`", size.raw, size.raw))
                        .build();
                    f.severity = f.severity.min(Severity::Warning);
                    out.push(f);
                }
            }
            let limit = s.memory_limit();
            if let Some(l) = &limit {
                self.too_small(cx, &s, "limit", l, out);
            }
            if let Some(r) = s.memory_reservation() {
                self.too_small(cx, &s, "reservation", &r, out);
            }
            if let Some(swap) = s.byte_size("memswap_limit")
                && let Some(sw) = swap.bytes.filter(|b| *b > 0)
            {
                match limit.as_ref().map(|l| l.bytes) {
                    Some(None) => {} // unknown limit
                    Some(Some(l)) if l > 0 && sw < l => out.push(
                        self.finding(
                            cx,
                            swap.path.clone(),
                            format!(
                                "service `{}` sets `memswap_limit` ({}) below its memory limit ({})",
                                s.name,
                                human_bytes(sw),
                                human_bytes(l)
                            ),
                        )
                        .label("memory plus swap, at least the memory limit")
                        .related(cx.file, limit.as_ref().map(|l| l.path.clone()).unwrap_or_else(|| s.path.clone()), "memory limit")
                        .service(s.name)
                        .help("`memswap_limit` is memory plus swap: Docker refuses a value below the memory limit; set it to the limit for no swap, or to -1 for unlimited swap")
                        .build(),
                    ),
                    Some(Some(l)) if l > 0 => {}
                    _ => out.push(
                        self.finding(
                            cx,
                            swap.path.clone(),
                            format!("service `{}` sets `memswap_limit` without a memory limit", s.name),
                        )
                        .label("needs mem_limit")
                        .service(s.name)
                        .help("Docker refuses a swap limit without a memory limit: set `mem_limit` (or `deploy.resources.limits.memory`) too, or remove `memswap_limit`")
                        .build(),
                    ),
                }
            }
            // CPU.
            let cpus = s.cpu_limit();
            if let Some(c) = &cpus
                && let Some(n) = c.cpus
                && n != 0.0
                && n < 0.01
            {
                out.push(
                    self.finding(
                        cx,
                        c.path.clone(),
                        format!(
                            "service `{}` sets {n} CPUs: Docker accepts 0.01 at least",
                            s.name
                        ),
                    )
                    .label("below 0.01")
                    .service(s.name)
                    .help("set a CPU count of at least 0.01 (or remove it)")
                    .build(),
                );
            }
            let nano = cpus.as_ref().and_then(|c| c.cpus).is_some_and(|n| n > 0.0);
            for key in ["cpu_quota", "cpu_period"] {
                let Some(v) = int_at(&s, key) else { continue };
                if nano && v > 0 {
                    let c = cpus
                        .as_ref()
                        .map(|c| c.path.clone())
                        .unwrap_or_else(|| s.path.clone());
                    out.push(
                        self.finding(cx, s.at(key), format!("service `{}` sets both a CPU count and `{key}`", s.name))
                            .label(format!("{key} conflicts with cpus"))
                            .related(cx.file, c, "CPU count")
                            .service(s.name)
                            .help("Docker refuses both (`Conflicting options`): keep `cpus` (or `deploy.resources.limits.cpus`) and remove `cpu_quota`/`cpu_period`")
                            .build(),
                    );
                    continue;
                }
                let bad = match key {
                    "cpu_quota" => v > 0 && v < 1000,
                    _ => v != 0 && !(1000..=1_000_000).contains(&v),
                };
                if bad {
                    let range = if key == "cpu_quota" {
                        "at least 1000 (1 ms)"
                    } else {
                        "between 1000 (1 ms) and 1000000 (1 s)"
                    };
                    out.push(
                        self.finding(cx, s.at(key), format!("`{key}: {v}` of service `{}` is out of range", s.name))
                            .label(format!("must be {range}"))
                            .service(s.name)
                            .help(format!("Docker refuses it: `{key}` is in microseconds and must be {range}; `cpus` is simpler"))
                            .build(),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::finding::Severity;
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG305", yaml))
    }

    #[test]
    fn refused_values() {
        assert_eq!(
            run("services:\n  a:\n    image: x:1\n    mem_limit: 512\n"),
            ["CG305@4"]
        );
        let d = crate::lint::rules::cg301_missing_memory_limit::lint_default(
            "CG305",
            "services:\n  a:\n    image: x:1\n    mem_limit: 512\n",
        );
        assert!(d[0].help.as_deref().unwrap_or_default().contains("`512m`"));
        assert_eq!(
            run("services:\n  a:\n    image: x:1\n    mem_limit: -1\n"),
            ["CG305@4"]
        );
        assert_eq!(
            run(
                "services:\n  a:\n    image: x:1\n    deploy: {resources: {reservations: {memory: 4m}}}\n"
            ),
            ["CG305@4"]
        );
        assert_eq!(
            run("services:\n  a:\n    image: x:1\n    mem_limit: 1g\n    memswap_limit: 512m\n"),
            ["CG305@5"]
        );
        assert_eq!(
            run("services:\n  a:\n    image: x:1\n    memswap_limit: 2g\n"),
            ["CG305@4"]
        );
        assert_eq!(
            run("services:\n  a:\n    image: x:1\n    cpus: 1.5\n    cpu_quota: 50000\n"),
            ["CG305@5"]
        );
        assert_eq!(
            run("services:\n  a:\n    image: x:1\n    cpu_quota: 500\n"),
            ["CG305@4"]
        );
        assert_eq!(
            run("services:\n  a:\n    image: x:1\n    cpu_period: 5000000\n"),
            ["CG305@4"]
        );
        assert_eq!(
            run("services:\n  a:\n    image: x:1\n    cpus: '0.001'\n"),
            ["CG305@4"]
        );
        let d = crate::lint::rules::cg301_missing_memory_limit::lint_default(
            "CG305",
            "services:\n  a:\n    image: x:1\n    mem_limit: 1.5\n",
        );
        assert_eq!(codes(&d), ["CG305@4"]);
        assert_eq!(d[0].severity, Severity::Warning);
    }

    #[test]
    fn accepted_values() {
        assert!(run("services:\n  a:\n    image: x:1\n    mem_limit: 6m\n    mem_reservation: 6m\n    memswap_limit: -1\n").is_empty());
        assert!(
            run("services:\n  a:\n    image: x:1\n    mem_limit: 1g\n    memswap_limit: 1g\n")
                .is_empty()
        );
        assert!(run("services:\n  a:\n    image: x:1\n    mem_limit: 0\n").is_empty());
        assert!(
            run("services:\n  a:\n    image: x:1\n    mem_limit: ${M}\n    memswap_limit: 2g\n")
                .is_empty()
        );
        assert!(
            run("services:\n  a:\n    image: x:1\n    cpu_quota: 50000\n    cpu_period: 100000\n")
                .is_empty()
        );
        assert!(
            run("services:\n  a:\n    image: x:1\n    cpus: 0\n    cpu_quota: 50000\n").is_empty()
        );
    }
}
