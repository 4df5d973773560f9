use crate::compose::grammar::words::script_words;
use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::{Finding, Severity};
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg304_reservation_above_limit::human_bytes;
use crate::lint::view::{Service, repository, tag};
use crate::yaml::Path;

declare_rule! {
    /// ## What it does
    /// Reports a JVM whose heap does not fit in the container's memory limit: the heap is at
    /// or above the limit (an error), or leaves less than 128 MiB, or less than a tenth of the
    /// limit, for the JVM's other memory (a warning).
    ///
    /// The heap is read from the JVM flags in the environment and the command: `-Xmx`, `-Xms`,
    /// `-XX:MaxHeapSize=`, `-XX:InitialHeapSize=`, `-XX:MaxRAMPercentage=` (a share of the
    /// limit; 100 or more is the whole limit) and `-XX:MaxRAMFraction=`, in any variable
    /// (`JAVA_OPTS`, `JAVA_TOOL_OPTIONS`, `_JAVA_OPTIONS`, `ES_JAVA_OPTS`,
    /// `OPENSEARCH_JAVA_OPTS`, `LS_JAVA_OPTS`, `KAFKA_HEAP_OPTS`, `CATALINA_OPTS`,
    /// `INSTALL4J_ADD_VM_PARAMS` …) and in `command`/`entrypoint` (`java -Xmx2g -jar app.jar`,
    /// also inside `sh -c`). Later flags win, `_JAVA_OPTIONS` wins over everything and
    /// `JAVA_TOOL_OPTIONS` loses to everything, as in the JVM. Some images take the heap as a
    /// size in a variable of their own: `ELASTICSEARCH_HEAP_SIZE`, `OPENSEARCH_HEAP_SIZE`
    /// (bitnami), `ZOO_HEAP_SIZE` (bitnami/zookeeper, MiB), `ZK_SERVER_HEAP` (zookeeper, MiB),
    /// `MAX_HEAP_SIZE` (cassandra), `SOLR_HEAP` (solr), `MEMORY`/`MAX_MEMORY`
    /// (itzg/minecraft-server).
    ///
    /// Without any heap setting, images known to start with a fixed heap whatever the limit are
    /// checked with that heap: Kafka (`confluentinc/cp-kafka`, `apache/kafka`, `bitnami/kafka`,
    /// `wurstmeister/kafka`: 1 GiB), ZooKeeper (`confluentinc/cp-zookeeper`: 512 MiB,
    /// `bitnami/zookeeper`: 1 GiB, `zookeeper`: 1000 MiB), `confluentinc/cp-schema-registry`
    /// (512 MiB), Logstash and OpenSearch (1 GiB), Elasticsearch before 7.11 (1 GiB),
    /// `sonatype/nexus3` (2703 MiB), `solr` (512 MiB) and `itzg/minecraft-server` (1 GiB). Such a
    /// default is not assumed when the service has an `env_file` or mounts a `jvm.options` file
    /// or a `config` directory (the heap may be set there), nor when it sets `command` or
    /// `entrypoint` (it may run another program, such as `kafka-topics`).
    ///
    /// The memory limit is `deploy.resources.limits.memory` or `mem_limit`, read as Compose reads
    /// it (`512m`, `2g`, 1024-based, like the JVM's units). Values with an unset variable are
    /// not compared.
    ///
    /// ## Why is this bad?
    /// A JVM uses memory beyond its heap: metaspace, the code cache, thread stacks, GC
    /// structures, direct buffers. When the heap alone can reach the limit, the kernel kills
    /// the container (exit code 137, `OOMKilled`) as soon as the heap fills, under load or
    /// already at start when the heap is pre-touched (Elasticsearch, OpenSearch and Logstash
    /// use `-XX:+AlwaysPreTouch`). The restart policy then restarts it, and it is killed again.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   elasticsearch:
    ///     image: elasticsearch:8.15.3
    ///     environment:
    ///       ES_JAVA_OPTS: -Xms2g -Xmx2g
    ///     mem_limit: 2g
    /// ```
    ///
    /// ## Use instead
    /// Keep the heap at about half the limit (Elasticsearch needs the rest for the file system
    /// cache); for other JVMs leave at least a quarter:
    /// ```yaml
    /// services:
    ///   elasticsearch:
    ///     image: elasticsearch:8.15.3
    ///     environment:
    ///       ES_JAVA_OPTS: -Xms1g -Xmx1g
    ///     mem_limit: 2g
    /// ```
    pub struct JvmHeapExceedsMemoryLimit {
        code: "CG306",
        name: "jvm-heap-exceeds-memory-limit",
        category: Resources,
        severity: Error,
        summary: "a JVM's heap is at or near the container's memory limit",
    }
}

/// One heap flag.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum HeapFlag {
    /// `-Xmx`, `-XX:MaxHeapSize=`: bytes.
    Max(i64),
    /// `-Xms`, `-XX:InitialHeapSize=`: bytes.
    Initial(i64),
    /// `-XX:MaxRAMPercentage=`, `-XX:MaxRAMFraction=`: percent of the memory limit.
    MaxPercent(f64),
    /// Another flag that sizes the heap (`-XX:MinRAMPercentage`, `-XX:MaxRAM` …).
    Other,
}

/// A heap flag where it was written.
#[derive(Debug, Clone)]
pub struct HeapSetting {
    /// The flag.
    pub flag: HeapFlag,
    /// The flag as written (`-Xmx2g`, or `MAX_HEAP_SIZE=4G`).
    pub text: String,
    /// Where.
    pub path: Path,
}

/// What a service says about its JVM heap.
#[derive(Debug, Clone, Default)]
pub struct HeapSettings {
    /// The flags, in the order the JVM applies them (the last of a kind wins).
    pub settings: Vec<HeapSetting>,
    /// A JVM options variable has an unset variable in it: the heap is unknown.
    pub unknown: bool,
    /// The heap may also be set where composegen cannot see it (`env_file`, a mounted
    /// `jvm.options`): an image default is not assumed.
    pub hidden: bool,
}

/// The heap that results, with the flag that decides it.
#[derive(Debug, Clone)]
pub struct Heap {
    /// Bytes.
    pub bytes: i64,
    /// The deciding flag.
    pub setting: HeapSetting,
}

impl HeapSettings {
    /// The maximum heap for a memory limit: the last `-Xmx`; else a share of the limit
    /// (`MaxRAMPercentage`, 25 % by default), raised to `-Xms` if that is larger. None when no
    /// flag sizes it.
    pub fn heap(&self, limit: i64) -> Option<Heap> {
        let last = |pick: fn(&HeapFlag) -> bool| self.settings.iter().rev().find(|s| pick(&s.flag));
        if let Some(s) = last(|f| matches!(f, HeapFlag::Max(_))) {
            let HeapFlag::Max(b) = s.flag else {
                return None;
            };
            return Some(Heap {
                bytes: b,
                setting: s.clone(),
            });
        }
        let percent = last(|f| matches!(f, HeapFlag::MaxPercent(_)));
        let initial = last(|f| matches!(f, HeapFlag::Initial(_)));
        let from_percent = percent.map(|s| match s.flag {
            HeapFlag::MaxPercent(p) => ((limit as f64) * p / 100.0) as i64,
            _ => 0,
        });
        let from_initial = initial.map(|s| match s.flag {
            HeapFlag::Initial(b) => b,
            _ => 0,
        });
        let ergonomic = from_percent.unwrap_or(limit / 4);
        match (percent, initial) {
            (_, Some(i)) if from_initial.unwrap_or(0) > ergonomic => Some(Heap {
                bytes: from_initial.unwrap_or(0),
                setting: i.clone(),
            }),
            (Some(p), _) => Some(Heap {
                bytes: ergonomic,
                setting: p.clone(),
            }),
            _ => None,
        }
    }
}

/// A JVM size: digits with an optional `k`, `m`, `g` or `t` (1024-based, either case).
pub fn jvm_size(s: &str) -> Option<i64> {
    let s = s.trim();
    let (digits, mult) = match s.chars().last()? {
        'k' | 'K' => (&s[..s.len() - 1], 1_i64 << 10),
        'm' | 'M' => (&s[..s.len() - 1], 1 << 20),
        'g' | 'G' => (&s[..s.len() - 1], 1 << 30),
        't' | 'T' => (&s[..s.len() - 1], 1 << 40),
        _ => (s, 1),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse::<i64>().ok()?.checked_mul(mult)
}

/// The heap flag of a JVM option, if it is one.
pub fn heap_flag(token: &str) -> Option<HeapFlag> {
    let sized = |v: &str, f: fn(i64) -> HeapFlag| jvm_size(v).map(f);
    if let Some(v) = token.strip_prefix("-Xmx") {
        return sized(v, HeapFlag::Max);
    }
    if let Some(v) = token.strip_prefix("-Xms") {
        return sized(v, HeapFlag::Initial);
    }
    let (name, value) = token.strip_prefix("-XX:")?.split_once('=')?;
    match name {
        "MaxHeapSize" => sized(value, HeapFlag::Max),
        "InitialHeapSize" => sized(value, HeapFlag::Initial),
        "MaxRAMPercentage" => value
            .parse::<f64>()
            .ok()
            .filter(|p| *p > 0.0)
            .map(HeapFlag::MaxPercent),
        "MaxRAMFraction" => value
            .parse::<f64>()
            .ok()
            .filter(|f| *f >= 1.0)
            .map(|f| HeapFlag::MaxPercent(100.0 / f)),
        "MinRAMPercentage"
        | "InitialRAMPercentage"
        | "MaxRAM"
        | "MinRAMFraction"
        | "InitialRAMFraction"
        | "MinHeapSize" => Some(HeapFlag::Other),
        _ => None,
    }
}

/// Whether a variable name looks like one holding JVM options.
fn jvm_options_variable(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    n.ends_with("_OPTS")
        || n.ends_with("_OPTIONS")
        || n.ends_with("JAVAOPTS")
        || n.ends_with("JVMFLAGS")
        || n.ends_with("_VM_PARAMS")
        || n.contains("JAVA_OPT")
        || n.contains("JVM_OPT")
}

/// Variables that hold the heap size itself: (name, images it applies to (empty: any),
/// default unit multiplier when the value has no unit).
const HEAP_SIZE_VARIABLES: &[(&str, &[&str], i64)] = &[
    ("ELASTICSEARCH_HEAP_SIZE", &[], 1),
    ("OPENSEARCH_HEAP_SIZE", &[], 1),
    ("ZOO_HEAP_SIZE", &[], 1 << 20),
    ("ZK_SERVER_HEAP", &[], 1 << 20),
    ("MAX_HEAP_SIZE", &["cassandra", "bitnami/cassandra"], 1),
    ("SOLR_HEAP", &["solr", "bitnami/solr"], 1),
    ("MEMORY", &["itzg/minecraft-server"], 1),
    ("MAX_MEMORY", &["itzg/minecraft-server"], 1),
];

/// The heap flags of a service, in the order the JVM applies them.
pub fn heap_settings(s: &Service<'_>) -> HeapSettings {
    let mut out = HeapSettings::default();
    let repo = s.image_repository().unwrap_or_default();
    let mut first = Vec::new(); // JAVA_TOOL_OPTIONS, JDK_JAVA_OPTIONS
    let mut middle = Vec::new();
    let mut last = Vec::new(); // _JAVA_OPTIONS
    for var in s.environment() {
        let Some(value) = &var.value else { continue };
        let options = jvm_options_variable(&var.name);
        if !value.known() {
            if options
                || HEAP_SIZE_VARIABLES
                    .iter()
                    .any(|(n, _, _)| *n == var.name.as_str())
            {
                out.unknown = true;
            }
            continue;
        }
        let bucket = match var.name.as_str() {
            "JAVA_TOOL_OPTIONS" | "JDK_JAVA_OPTIONS" => &mut first,
            "_JAVA_OPTIONS" => &mut last,
            _ => &mut middle,
        };
        if let Some((_, images, unit)) = HEAP_SIZE_VARIABLES
            .iter()
            .find(|(n, _, _)| *n == var.name.as_str())
        {
            if !images.is_empty() && !images.contains(&repo.as_str()) {
                continue;
            }
            let v = value.value.trim();
            let bytes = if v.chars().all(|c| c.is_ascii_digit()) {
                v.parse::<i64>().ok().and_then(|n| n.checked_mul(*unit))
            } else {
                jvm_size(v)
            };
            if let Some(b) = bytes {
                bucket.push(HeapSetting {
                    flag: HeapFlag::Max(b),
                    text: format!("{}={v}", var.name),
                    path: var.path.clone(),
                });
            }
            continue;
        }
        for token in script_words(&value.value) {
            if let Some(flag) = heap_flag(&token) {
                bucket.push(HeapSetting {
                    flag,
                    text: token,
                    path: var.path.clone(),
                });
            }
        }
    }
    for key in ["entrypoint", "command"] {
        let words = match key {
            "entrypoint" => s.entrypoint_words(),
            _ => s.command_words(),
        };
        for word in words {
            for token in script_words(&word) {
                if let Some(flag) = heap_flag(&token) {
                    middle.push(HeapSetting {
                        flag,
                        text: token,
                        path: s.at(key),
                    });
                }
            }
        }
    }
    out.settings = first.into_iter().chain(middle).chain(last).collect();
    out.hidden = s.get("env_file").is_some()
        || s.mounts()
            .iter()
            .any(|m| m.target.contains("jvm.options") || m.target.ends_with("/config"));
    out
}

/// The heap an image starts with when nothing sets it, and where that default comes from.
pub fn default_heap(image: &str) -> Option<(i64, &'static str)> {
    let repo = repository(image);
    let mib = |n: i64| n << 20;
    let found = match repo.as_str() {
        "confluentinc/cp-kafka"
        | "confluentinc/cp-server"
        | "apache/kafka"
        | "wurstmeister/kafka"
        | "bitnami/kafka" => (
            mib(1024),
            "Kafka's start script uses `-Xmx1G -Xms1G` unless `KAFKA_HEAP_OPTS` is set",
        ),
        "confluentinc/cp-zookeeper" => (
            mib(512),
            "ZooKeeper's start script uses `-Xmx512M -Xms512M` unless `KAFKA_HEAP_OPTS` is set",
        ),
        "bitnami/zookeeper" => (mib(1024), "`ZOO_HEAP_SIZE` defaults to 1024 (MiB)"),
        "zookeeper" => (mib(1000), "`ZK_SERVER_HEAP` defaults to 1000 (MiB)"),
        "confluentinc/cp-schema-registry" => (
            mib(512),
            "the start script uses `-Xmx512M` unless `SCHEMA_REGISTRY_HEAP_OPTS` is set",
        ),
        "logstash" | "docker.elastic.co/logstash/logstash" => {
            (mib(1024), "its `jvm.options` sets `-Xms1g -Xmx1g`")
        }
        "opensearchproject/opensearch" => (mib(1024), "its `jvm.options` sets `-Xms1g -Xmx1g`"),
        "elasticsearch" | "docker.elastic.co/elasticsearch/elasticsearch" => {
            let version: Vec<u32> = tag(image)?
                .split(['.', '-'])
                .take(2)
                .map_while(|p| p.parse().ok())
                .collect();
            match version.as_slice() {
                [major, minor] if (*major, *minor) < (7, 11) => (
                    mib(1024),
                    "before 7.11 its `jvm.options` sets `-Xms1g -Xmx1g` (later versions size the heap from the limit)",
                ),
                _ => return None,
            }
        }
        "sonatype/nexus3" => (
            mib(2703),
            "`INSTALL4J_ADD_VM_PARAMS` defaults to `-Xms2703m -Xmx2703m -XX:MaxDirectMemorySize=2703m`",
        ),
        "solr" => (mib(512), "`SOLR_HEAP` defaults to 512m"),
        "itzg/minecraft-server" => (mib(1024), "`MEMORY` defaults to 1G"),
        _ => return None,
    };
    Some(found)
}

/// Memory a JVM needs besides its heap, at least: 128 MiB, or a tenth of the limit.
pub fn min_headroom(limit: i64) -> i64 {
    (128_i64 << 20).max(limit / 10)
}

impl Rule for JvmHeapExceedsMemoryLimit {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            let Some(limit) = s.memory_limit() else {
                continue;
            };
            let Some(l) = limit.bytes.filter(|b| *b > 0) else {
                continue;
            };
            let settings = heap_settings(&s);
            if settings.unknown {
                continue;
            }
            let (heap, path, what, why) = match settings.heap(l) {
                Some(h) => {
                    let what = match h.setting.flag {
                        HeapFlag::MaxPercent(p) => {
                            format!(
                                "the JVM heap `{}` ({p}% of the limit, {})",
                                h.setting.text,
                                human_bytes(h.bytes)
                            )
                        }
                        _ => format!(
                            "the JVM heap `{}` ({})",
                            h.setting.text,
                            human_bytes(h.bytes)
                        ),
                    };
                    (h.bytes, h.setting.path, what, None)
                }
                // The image's default heap is that of its server: not assumed when the service
                // runs another command (`kafka-topics …` gets a smaller default).
                None if settings.settings.is_empty()
                    && !settings.hidden
                    && s.get("command").is_none()
                    && s.get("entrypoint").is_none() =>
                {
                    let Some((image, image_path)) = s.image().filter(|(i, _)| i.known()) else {
                        continue;
                    };
                    let Some((bytes, why)) = default_heap(&image.value) else {
                        continue;
                    };
                    (
                        bytes,
                        image_path,
                        format!("the image's default JVM heap ({})", human_bytes(bytes)),
                        Some(why),
                    )
                }
                None => continue,
            };
            let left = l - heap;
            let (severity, message, label) = if left <= 0 {
                (
                    Severity::Error,
                    format!(
                        "service `{}`: {what} is at or above the container's memory limit ({})",
                        s.name,
                        human_bytes(l)
                    ),
                    "the container is OOM-killed when the heap fills".to_string(),
                )
            } else if left < min_headroom(l) {
                (
                    Severity::Warning,
                    format!(
                        "service `{}`: {what} leaves only {} of the {} memory limit for the JVM's other memory",
                        s.name,
                        human_bytes(left),
                        human_bytes(l)
                    ),
                    "too little room besides the heap".to_string(),
                )
            } else {
                continue;
            };
            let help = match why {
                Some(why) => format!(
                    "{why}; set the heap explicitly to about half the limit, or raise the limit"
                ),
                None => "keep the heap at about half the limit (at most three quarters), or raise the limit: metaspace, threads, code cache and direct buffers need memory too".to_string(),
            };
            let mut f = self
                .finding(cx, path, message)
                .label(label)
                .related(
                    cx.file,
                    limit.path.clone(),
                    format!("memory limit {}", human_bytes(l)),
                )
                .service(s.name)
                .help(help)
                .build();
            f.severity = f.severity.min(severity);
            out.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{HeapFlag, heap_flag, jvm_size};
    use crate::lint::finding::Severity;
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG306", yaml))
    }

    #[test]
    fn flags() {
        assert_eq!(jvm_size("2g"), Some(2 << 30));
        assert_eq!(jvm_size("512M"), Some(512 << 20));
        assert_eq!(jvm_size("1048576"), Some(1 << 20));
        assert_eq!(jvm_size("1.5g"), None);
        assert_eq!(heap_flag("-Xmx1G"), Some(HeapFlag::Max(1 << 30)));
        assert_eq!(heap_flag("-Xms256m"), Some(HeapFlag::Initial(256 << 20)));
        assert_eq!(
            heap_flag("-XX:MaxRAMPercentage=75.0"),
            Some(HeapFlag::MaxPercent(75.0))
        );
        assert_eq!(
            heap_flag("-XX:MaxRAMFraction=2"),
            Some(HeapFlag::MaxPercent(50.0))
        );
        assert_eq!(heap_flag("-XX:+UseG1GC"), None);
        assert_eq!(heap_flag("-Xss1m"), None);
    }

    #[test]
    fn heap_at_or_above_the_limit() {
        assert_eq!(
            run(
                "services:\n  es:\n    image: elasticsearch:8.15.3\n    environment:\n      ES_JAVA_OPTS: -Xms2g -Xmx2g\n    mem_limit: 2g\n"
            ),
            ["CG306@5"]
        );
        // List form, deploy limit, percentage.
        assert_eq!(
            run(
                "services:\n  app:\n    image: example/app:1\n    environment:\n      - JAVA_TOOL_OPTIONS=-XX:MaxRAMPercentage=100\n    deploy: {resources: {limits: {memory: 1g}}}\n"
            ),
            ["CG306@5"]
        );
        // In the command, inside sh -c.
        assert_eq!(
            run(
                "services:\n  app:\n    image: eclipse-temurin:21\n    command: [sh, -c, 'java -Xmx1024m -jar /app.jar']\n    mem_limit: 1g\n"
            ),
            ["CG306@4"]
        );
        // _JAVA_OPTIONS wins over JAVA_OPTS.
        assert_eq!(
            run(
                "services:\n  app:\n    image: example/app:1\n    environment:\n      _JAVA_OPTIONS: -Xmx4g\n      JAVA_OPTS: -Xmx256m\n    mem_limit: 2g\n"
            ),
            ["CG306@5"]
        );
        // Image variables.
        assert_eq!(
            run(
                "services:\n  zk:\n    image: bitnami/zookeeper:3.9\n    environment:\n      ZOO_HEAP_SIZE: 512\n    mem_limit: 512m\n"
            ),
            ["CG306@5"]
        );
        // Image default heaps.
        let d = crate::lint::rules::cg301_missing_memory_limit::lint_default(
            "CG306",
            "services:\n  kafka:\n    image: confluentinc/cp-kafka:7.7.1\n    mem_limit: 1g\n",
        );
        assert_eq!(codes(&d), ["CG306@3"]);
        assert!(
            d[0].help
                .as_deref()
                .unwrap_or_default()
                .contains("KAFKA_HEAP_OPTS")
        );
        assert_eq!(
            run("services:\n  es:\n    image: elasticsearch:7.10.2\n    mem_limit: 1g\n"),
            ["CG306@3"]
        );
    }

    #[test]
    fn little_headroom_is_a_warning() {
        let d = crate::lint::rules::cg301_missing_memory_limit::lint_default(
            "CG306",
            "services:\n  ls:\n    image: logstash:8.15.3\n    environment:\n      LS_JAVA_OPTS: -Xmx960m\n    mem_limit: 1g\n",
        );
        assert_eq!(codes(&d), ["CG306@5"]);
        assert_eq!(d[0].severity, Severity::Warning);
    }

    #[test]
    fn heap_fits() {
        assert!(run("services:\n  es:\n    image: elasticsearch:8.15.3\n    environment:\n      ES_JAVA_OPTS: -Xms1g -Xmx1g\n    mem_limit: 2g\n").is_empty());
        assert!(run("services:\n  app:\n    image: example/app:1\n    environment:\n      JAVA_OPTS: -XX:MaxRAMPercentage=75\n    mem_limit: 2g\n").is_empty());
        // No limit, unknown values, modern Elasticsearch sizing itself, a bigger limit.
        assert!(run("services:\n  es:\n    image: elasticsearch:8.15.3\n    environment:\n      ES_JAVA_OPTS: -Xmx8g\n").is_empty());
        assert!(run("services:\n  es:\n    image: elasticsearch:8.15.3\n    environment:\n      ES_JAVA_OPTS: ${ES_OPTS}\n    mem_limit: 1g\n").is_empty());
        assert!(
            run("services:\n  es:\n    image: elasticsearch:8.15.3\n    mem_limit: 1g\n")
                .is_empty()
        );
        assert!(
            run("services:\n  kafka:\n    image: apache/kafka:3.8.0\n    mem_limit: 2g\n")
                .is_empty()
        );
        // Another program than the server.
        assert!(run("services:\n  topics:\n    image: confluentinc/cp-kafka:7.7.1\n    command: [kafka-topics, --list, --bootstrap-server, kafka:9092]\n    mem_limit: 256m\n").is_empty());
        // The heap is set where composegen cannot see it.
        assert!(run("services:\n  kafka:\n    image: bitnami/kafka:3.8\n    env_file: kafka.env\n    mem_limit: 1g\n").is_empty());
        assert!(run("services:\n  kafka:\n    image: bitnami/kafka:3.8\n    environment:\n      KAFKA_HEAP_OPTS: -Xmx512m -Xms512m\n    mem_limit: 1g\n").is_empty());
        // MEMORY is itzg's variable only.
        assert!(run("services:\n  app:\n    image: example/app:1\n    environment:\n      MEMORY: 4g\n    mem_limit: 1g\n").is_empty());
    }
}
