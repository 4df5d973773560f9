use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg206_stateful_service_without_volume::runs_another_program;
use crate::lint::rules::cg304_reservation_above_limit::human_bytes;
use crate::lint::rules::cg306_jvm_heap_exceeds_memory_limit::{default_heap, heap_settings};

declare_rule! {
    /// ## What it does
    /// Reports a service whose image runs a JVM (`jvm: true` in the image table) with a memory
    /// limit but no heap setting (no `-Xmx`, `-XX:MaxRAMPercentage` … in its environment or
    /// command; see CG306 for what is read).
    ///
    /// Not reported: images that start with a fixed heap of their own (Kafka, ZooKeeper,
    /// Logstash, OpenSearch …: CG306 checks that heap against the limit), images that size the
    /// heap from the limit themselves (Elasticsearch 7.11 and later, Cassandra, Neo4j,
    /// SonarQube, Pinot, Keycloak, the native `apache/kafka-native`), and services with an
    /// `env_file` or a mounted `jvm.options` (the heap may be set there), and services that run
    /// another program (a shell script, or a replaced entrypoint).
    ///
    /// ## Why is this bad?
    /// A modern JVM sizes its heap from the container's limit, but only to a quarter of it by
    /// default (`-XX:MaxRAMPercentage=25`): with `mem_limit: 2g` the application gets a 512 MiB
    /// heap and fails with `java.lang.OutOfMemoryError` while three quarters of the memory you
    /// gave it stay unused. Nothing breaks at start, hence info; set the heap to what the
    /// limit is for.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   jenkins:
    ///     image: jenkins/jenkins:2.479.1-lts
    ///     mem_limit: 2g
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   jenkins:
    ///     image: jenkins/jenkins:2.479.1-lts
    ///     environment:
    ///       JAVA_OPTS: -XX:MaxRAMPercentage=75
    ///     mem_limit: 2g
    /// ```
    pub struct JvmHeapNotSet {
        code: "CG307",
        name: "jvm-heap-not-set",
        category: Resources,
        severity: Info,
        summary: "a JVM service has a memory limit but no heap setting, so it uses a quarter of it",
    }
}

/// JVM images that size their heap from the container's memory themselves (or whose start
/// script computes it): their default is not the JVM's quarter.
const SELF_SIZING: &[&str] = &[
    "elasticsearch",
    "docker.elastic.co/elasticsearch/elasticsearch",
    "bitnami/elasticsearch",
    "bitnami/opensearch",
    "cassandra",
    "bitnami/cassandra",
    "neo4j",
    "sonarqube",
    "apachepinot/pinot",
    "quay.io/keycloak/keycloak",
    "keycloak/keycloak",
    "bitnami/keycloak",
    "apache/kafka-native",
];

impl Rule for JvmHeapNotSet {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            let Some((image, _)) = s.image().filter(|(i, _)| i.known()) else {
                continue;
            };
            let Some(repo) = s.image_repository() else {
                continue;
            };
            let Some(entry) = cx.images.lookup(&repo).filter(|e| e.jvm) else {
                continue;
            };
            if SELF_SIZING.contains(&repo.as_str())
                || default_heap(&image.value).is_some()
                || runs_another_program(&s)
            {
                continue;
            }
            let Some(limit) = s.memory_limit() else {
                continue;
            };
            let Some(l) = limit.bytes.filter(|b| *b > 0) else {
                continue;
            };
            let settings = heap_settings(&s);
            if settings.unknown || settings.hidden || !settings.settings.is_empty() {
                continue;
            }
            let variable = entry
                .env
                .iter()
                .find(|v| v.ends_with("JAVA_OPTS") || v.as_str() == "JAVA_OPTS")
                .map_or("JAVA_TOOL_OPTIONS", String::as_str);
            out.push(
                self.finding(
                    cx,
                    limit.path.clone(),
                    format!(
                        "service `{}` ({repo}) runs a JVM with a {} memory limit but no heap setting: its heap is a quarter of the limit, {}",
                        s.name,
                        human_bytes(l),
                        human_bytes(l / 4)
                    ),
                )
                .label("the JVM uses 25% of this for its heap")
                .service(s.name)
                .help(format!(
                    "size the heap for the limit: `{variable}: -XX:MaxRAMPercentage=75` (or an explicit `-Xmx`)"
                ))
                .build(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG307", yaml))
    }

    #[test]
    fn jvm_without_heap() {
        assert_eq!(
            run("services:\n  ci:\n    image: jenkins/jenkins:2.479.1-lts\n    mem_limit: 2g\n"),
            ["CG307@4"]
        );
        let d = lint_rule(
            "CG307",
            "services:\n  ci:\n    image: jenkins/jenkins:2.479.1-lts\n    deploy: {resources: {limits: {memory: 2g}}}\n",
        );
        assert_eq!(codes(&d), ["CG307@4"]);
        assert!(d[0].message.contains("512 MiB"), "{}", d[0].message);
        assert!(
            d[0].help
                .as_deref()
                .unwrap_or_default()
                .contains("JAVA_OPTS")
        );
    }

    #[test]
    fn heap_set_or_not_applicable() {
        assert!(run("services:\n  ci:\n    image: jenkins/jenkins:2.479.1-lts\n    environment: [JAVA_OPTS=-Xmx1g]\n    mem_limit: 2g\n").is_empty());
        assert!(run("services:\n  ci:\n    image: jenkins/jenkins:2.479.1-lts\n").is_empty());
        assert!(run("services:\n  ci:\n    image: jenkins/jenkins:2.479.1-lts\n    env_file: [jenkins.env]\n    mem_limit: 2g\n").is_empty());
        // Self-sizing images and images with a fixed default heap.
        assert!(
            run("services:\n  es:\n    image: elasticsearch:8.15.3\n    mem_limit: 2g\n")
                .is_empty()
        );
        assert!(
            run("services:\n  k:\n    image: confluentinc/cp-kafka:7.7.1\n    mem_limit: 2g\n")
                .is_empty()
        );
        // Not a JVM.
        assert!(run("services:\n  db:\n    image: postgres:16\n    mem_limit: 2g\n").is_empty());
    }
}
