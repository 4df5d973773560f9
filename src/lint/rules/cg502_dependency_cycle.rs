use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg501_undefined_service_dependency::describe;
use crate::lint::view::{ServiceRef, ServiceRefKind};

declare_rule! {
    /// ## What it does
    /// Reports services that depend on each other in a loop: `a` depends on `b` and `b` on `a`,
    /// longer loops (`a -> b -> c -> a`), and a service that depends on itself. Every kind of
    /// dependency counts, as it does for Compose: `depends_on`, `links`, `volumes_from`
    /// (`SERVICE`), and `network_mode`, `ipc` and `pid` set to `service:NAME`.
    ///
    /// Each loop is reported once, at its first edge (from the service that comes first in the
    /// file), naming the whole loop; the other edges are related locations. When several loops
    /// share services, each distinct loop is reported (at most 20 per file).
    ///
    /// ## Why is this bad?
    /// Compose starts services in dependency order, so a loop has no valid order: it refuses
    /// the project with `dependency cycle detected: a -> b -> a`, and nothing starts.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:2.1.0
    ///     depends_on: [worker]
    ///   worker:
    ///     image: example/worker:2.1.0
    ///     depends_on: [api]
    /// ```
    ///
    /// ## Use instead
    /// Keep the dependency that expresses start-up order (the worker needs the API), and let
    /// the other side retry its connection:
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:2.1.0
    ///   worker:
    ///     image: example/worker:2.1.0
    ///     depends_on: [api]
    /// ```
    pub struct DependencyCycle {
        code: "CG502",
        name: "dependency-cycle",
        category: Network,
        severity: Error,
        summary: "services depend on each other in a loop",
    }
}

/// Most loops reported per file.
const MAX_CYCLES: usize = 20;
/// Bound on the search (a dense graph has exponentially many loops).
const MAX_STEPS: usize = 100_000;

struct Search<'g> {
    edges: &'g [Vec<(usize, ServiceRef)>],
    start: usize,
    path: Vec<(usize, usize)>,
    on_path: Vec<bool>,
    found: Vec<Vec<(usize, usize)>>,
    steps: usize,
}

impl Search<'_> {
    /// Depth-first search for loops back to `start` through services after it in the file.
    fn visit(&mut self, node: usize) {
        for (e, (to, _)) in self.edges[node].iter().enumerate() {
            self.steps += 1;
            if self.found.len() >= MAX_CYCLES || self.steps > MAX_STEPS {
                return;
            }
            let to = *to;
            if to == self.start {
                let mut cycle = self.path.clone();
                cycle.push((node, e));
                self.found.push(cycle);
            } else if to > self.start && !self.on_path[to] {
                self.on_path[to] = true;
                self.path.push((node, e));
                self.visit(to);
                self.path.pop();
                self.on_path[to] = false;
            }
        }
    }
}

impl Rule for DependencyCycle {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let compose = cx.compose();
        let services = compose.services();
        let index = |name: &str| compose.service_index(name);
        // Edges in document order; several references to the same service count once.
        let edges: Vec<Vec<(usize, ServiceRef)>> = services
            .iter()
            .map(|s| {
                let mut list: Vec<(usize, ServiceRef)> = Vec::new();
                for r in s.service_refs() {
                    if r.unknown {
                        continue;
                    }
                    if let Some(to) = index(&r.service)
                        && !list.iter().any(|(t, _)| *t == to)
                    {
                        list.push((to, r));
                    }
                }
                list
            })
            .collect();
        let mut cycles: Vec<Vec<(usize, usize)>> = Vec::new();
        let mut steps = 0;
        for start in 0..services.len() {
            let mut search = Search {
                edges: &edges,
                start,
                path: Vec::new(),
                on_path: vec![false; services.len()],
                found: Vec::new(),
                steps,
            };
            search.on_path[start] = true;
            search.visit(start);
            steps = search.steps;
            cycles.extend(search.found);
            if cycles.len() >= MAX_CYCLES || steps > MAX_STEPS {
                cycles.truncate(MAX_CYCLES);
                break;
            }
        }
        for cycle in cycles {
            let names: Vec<&str> = cycle
                .iter()
                .map(|(n, _)| services[*n].name)
                .chain(std::iter::once(services[cycle[0].0].name))
                .collect();
            let (first, e) = cycle[0];
            let r = &edges[first][e].1;
            let message = if cycle.len() == 1 {
                format!("service `{}` depends on itself", names[0])
            } else {
                format!("dependency cycle: {}", names.join(" -> "))
            };
            let mut f = self
                .finding(cx, r.path.clone(), message)
                .label(format!("`{}` {}", names[0], describe(r)))
                .service(names[0])
                .help(format!(
                    "Compose starts dependencies first, so it rejects a loop (`dependency cycle detected: {}`); remove one of these dependencies and let that service retry its connection instead",
                    names.join(" -> ")
                ));
            if r.kind == ServiceRefKind::DependsOn && !r.short {
                f = f.on_key();
            }
            for &(n, e) in &cycle[1..] {
                let other = &edges[n][e].1;
                f = f.related(
                    cx.file,
                    other.path.clone(),
                    format!("`{}` {}", services[n].name, describe(other)),
                );
            }
            out.push(f.build());
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG502", yaml))
    }

    #[test]
    fn cycles() {
        let d = lint_rule(
            "CG502",
            "services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [a]\n",
        );
        assert_eq!(codes(&d), ["CG502@4"]);
        assert_eq!(d[0].message, "dependency cycle: a -> b -> a");
        assert_eq!(d[0].related.len(), 1);
        assert_eq!(d[0].related[0].pos.line, 7);
        // Self-dependency, and through network_mode.
        assert_eq!(
            run("services:\n  a:\n    image: x\n    depends_on: [a]\n"),
            ["CG502@4"]
        );
        assert_eq!(
            run(
                "services:\n  a:\n    image: x\n    network_mode: service:b\n  b:\n    image: x\n    links: [c]\n  c:\n    image: x\n    depends_on:\n      a:\n        condition: service_started\n"
            ),
            ["CG502@4"]
        );
        // Two loops sharing `a`: each reported once.
        let d = lint_rule(
            "CG502",
            "services:\n  a:\n    image: x\n    depends_on: [b, c]\n  b:\n    image: x\n    depends_on: [a]\n  c:\n    image: x\n    depends_on: [a]\n",
        );
        assert_eq!(d.len(), 2, "{d:?}");
        let mut messages: Vec<&str> = d.iter().map(|x| x.message.as_str()).collect();
        messages.sort_unstable();
        assert_eq!(
            messages,
            [
                "dependency cycle: a -> b -> a",
                "dependency cycle: a -> c -> a"
            ]
        );
    }

    #[test]
    fn no_cycles() {
        assert!(run("services:\n  a:\n    image: x\n    depends_on: [b, c]\n  b:\n    image: x\n    depends_on: [c]\n  c:\n    image: x\n").is_empty());
        // Undefined targets are CG501's business.
        assert!(run("services:\n  a:\n    image: x\n    depends_on: [zzz]\n").is_empty());
    }

    #[test]
    fn dense_graphs_stay_bounded() {
        let mut yaml = String::from("services:\n");
        for i in 0..12 {
            yaml.push_str(&format!("  s{i}:\n    image: x\n    depends_on: ["));
            let deps: Vec<String> = (0..12)
                .filter(|j| *j != i)
                .map(|j| format!("s{j}"))
                .collect();
            yaml.push_str(&deps.join(", "));
            yaml.push_str("]\n");
        }
        let d = lint_rule("CG502", &yaml);
        assert!(!d.is_empty() && d.len() <= 20);
    }
}
