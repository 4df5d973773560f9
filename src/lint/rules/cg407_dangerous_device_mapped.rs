use std::sync::LazyLock;

use regex::Regex;

use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::view::{items, normalize_host_path, scalar};
use crate::yaml::Kind;

declare_rule! {
    /// ## What it does
    /// Reports a host device given to a container that exposes the host itself:
    ///
    /// - in `devices`: the whole `/dev` (Docker maps a directory with every device in it),
    ///   physical and kernel memory (`/dev/mem`, `/dev/kmem`, `/dev/port`), a disk or
    ///   partition (`/dev/sda1`, `/dev/nvme0n1`, `/dev/vdb`, `/dev/xvda`, `/dev/mmcblk0p2`,
    ///   `/dev/md0`, `/dev/dm-0`, anything under `/dev/mapper` and `/dev/disk`, a disk's
    ///   `/dev/block/MAJOR:MINOR`), CPU registers (`/dev/cpu/…/msr`), and as a **warning**
    ///   the kernel log (`/dev/kmsg`, `/dev/char/1:11`: it leaks kernel addresses where
    ///   `dmesg_restrict` is off, and takes forged messages); short syntax (`HOST[:CONTAINER[:PERMISSIONS]]`) and long syntax
    ///   (`source:`);
    /// - in `device_cgroup_rules`: a rule for every device (`a *:* rwm`), for block devices of
    ///   any or a disk major number (`b *:* rwm`, `b 8:* rw`), or for the memory devices
    ///   (`c 1:* rwm`, `c *:* rwm`).
    ///
    /// Devices that do not give the host away (`/dev/fuse`, `/dev/net/tun`, `/dev/dri`,
    /// `/dev/snd`, serial adapters such as `/dev/ttyUSB0`, GPUs, CDI names such as
    /// `nvidia.com/gpu=all`) are not reported, even read-only disks are.
    ///
    /// ## Why is this bad?
    /// A container that can read a host disk reads every file of the host (`/etc/shadow`,
    /// SSH keys, other containers' data), whatever its mounts say; one that can write it owns
    /// the host. `/dev/mem` and `/dev/kmem` are the host's memory. A device cgroup rule lets
    /// root in the container create the device node itself (`mknod` is a default capability).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   backup:
    ///     image: example/disk-backup:1.2.0
    ///     devices:
    ///       - /dev/sda:/dev/sda
    /// ```
    ///
    /// ## Use instead
    /// Mount the directories to back up, read-only:
    /// ```yaml
    /// services:
    ///   backup:
    ///     image: example/disk-backup:1.2.0
    ///     volumes:
    ///       - /srv/data:/data:ro
    /// ```
    pub struct DangerousDeviceMapped {
        code: "CG407",
        name: "dangerous-device-mapped",
        category: Security,
        severity: Error,
        summary: "a host disk, `/dev/mem` or all of `/dev` is given to a container",
    }
}

static DISK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^/dev/((sd|hd|vd|xvd)[a-z]+[0-9]*|nvme[0-9]+(n[0-9]+(p[0-9]+)?)?|mmcblk[0-9]+(p[0-9]+)?|md[0-9]+|dm-[0-9]+|mapper/.+|disk/.+)$",
    )
    .expect("regex")
});

/// Why `/dev/kmsg` is reported (a warning, where the other devices are errors).
const KERNEL_LOG: &str =
    "the host's kernel log: kernel addresses to read, forged messages to write";

/// What a host device path gives away, if it is dangerous.
fn device_danger(path: &str) -> Option<&'static str> {
    match path {
        "/dev" => return Some("every host device, disks included"),
        "/dev/mem" | "/dev/kmem" | "/dev/port" => {
            return Some("the host's physical or kernel memory");
        }
        "/dev/mapper" | "/dev/disk" => return Some("the host's disks"),
        // `/dev/char/1:11` is `/dev/kmsg` by its numbers.
        "/dev/kmsg" | "/dev/char/1:11" => return Some(KERNEL_LOG),
        _ => {}
    }
    // `/dev/block/MAJOR:MINOR` names a block device by its numbers.
    if let Some(numbers) = path.strip_prefix("/dev/block/") {
        let major = numbers.split(':').next().unwrap_or_default();
        if DISK_MAJORS.contains(&major) {
            return Some("a host disk: every file on it, whatever the mounts say");
        }
    }
    if DISK.is_match(path) {
        return Some("a host disk: every file on it, whatever the mounts say");
    }
    if path == "/dev/cpu" || (path.starts_with("/dev/cpu/") && path.ends_with("/msr")) {
        return Some("CPU model-specific registers of the host");
    }
    None
}

/// Block-device major numbers of disks: IDE, SCSI/SATA, md, mmc, Xen, device mapper and
/// virtio (dynamic), NVMe (blkext).
const DISK_MAJORS: &[&str] = &["3", "8", "9", "179", "202", "252", "253", "254", "259"];

/// What a device cgroup rule (`TYPE MAJOR:MINOR PERMS`) gives away, if it is dangerous.
fn rule_danger(rule: &str) -> Option<&'static str> {
    let mut parts = rule.split_whitespace();
    let kind = parts.next()?;
    let numbers = parts.next().unwrap_or("*:*");
    let (major, minor) = numbers.split_once(':').unwrap_or((numbers, "*"));
    match kind {
        "a" => Some("every device of the host"),
        "b" if major == "*" || DISK_MAJORS.contains(&major) => {
            Some("the host's disks (root creates the device node with mknod)")
        }
        "c" if major == "*" || (major == "1" && matches!(minor, "*" | "1" | "2" | "4")) => {
            Some("the host's memory devices (root creates the device node with mknod)")
        }
        _ => None,
    }
}

impl Rule for DangerousDeviceMapped {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            if let Some(devices) = s.get("devices") {
                for (n, path) in items(devices, &s.at("devices")) {
                    let source = match &n.kind {
                        Kind::Map(_) => n.get("source").and_then(|x| scalar(x, cx.env)),
                        _ => scalar(n, cx.env).map(|mut v| {
                            v.value = v.value.split(':').next().unwrap_or_default().to_string();
                            v
                        }),
                    };
                    let Some(source) = source.filter(|v| v.known()) else {
                        continue;
                    };
                    let Some(host) = normalize_host_path(source.value.trim()) else {
                        continue;
                    };
                    let Some(why) = device_danger(&host) else {
                        continue;
                    };
                    let mut f = self
                        .finding(cx, path, format!("`{}` gets the host device `{host}`", s.name))
                        .label(why)
                        .service(s.name)
                        .help("do not give containers host disks or memory; mount the directories the service needs instead (read-only if it only reads them)")
                        .build();
                    // The kernel log leaks and can be forged, but does not give the host away.
                    if why == KERNEL_LOG {
                        f.severity = crate::lint::finding::Severity::Warning;
                    }
                    out.push(f);
                }
            }
            for (v, path) in s.string_items("device_cgroup_rules") {
                if !v.known() {
                    continue;
                }
                let Some(why) = rule_danger(v.value.trim()) else {
                    continue;
                };
                out.push(
                    self.finding(
                        cx,
                        path,
                        format!("`{}` allows the device cgroup rule `{}`", s.name, v.value.trim()),
                    )
                    .label(why)
                    .service(s.name)
                    .help("allow only the device numbers the service needs (`c 189:* rwm` for USB serial adapters)")
                    .build(),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG407", yaml))
    }

    #[test]
    fn dangerous_devices() {
        assert_eq!(
            run(
                "services:\n  a:\n    image: x\n    devices:\n      - /dev/sda:/dev/sda\n      - /dev/nvme0n1p2\n      - /dev/mem:/dev/mem:r\n      - /dev:/dev\n      - /dev/mapper/vg-root:/dev/root\n      - /dev/disk/by-id/usb-x:/dev/x\n      - /dev/cpu/0/msr:/dev/cpu/0/msr\n      - /dev/kmsg:/dev/kmsg\n"
            ),
            [
                "CG407@5", "CG407@6", "CG407@7", "CG407@8", "CG407@9", "CG407@10", "CG407@11",
                "CG407@12"
            ]
        );
        assert_eq!(
            crate::lint::rules::cg401_privileged_container::tests_support::severities(
                "CG407",
                "services:\n  a:\n    image: x\n    devices: ['/dev/kmsg:/dev/kmsg', '/dev/sda:/dev/sda']\n"
            ),
            ["warning", "error"]
        );
        // Devices named by their numbers (long syntax: the short one splits at `:`).
        assert_eq!(
            run(
                "services:\n  a:\n    image: x\n    devices:\n      - source: /dev/char/1:11\n        target: /dev/kmsg\n      - source: /dev/block/259:0\n        target: /dev/probe\n      - source: /dev/block/7:0\n        target: /dev/loop\n"
            ),
            ["CG407@5", "CG407@7"]
        );
        assert_eq!(
            run(
                "services:\n  a:\n    image: x\n    devices:\n      - source: /dev/vdb\n        target: /dev/vdb\n        permissions: r\n"
            ),
            ["CG407@5"]
        );
        assert_eq!(
            run(
                "services:\n  a:\n    image: x\n    device_cgroup_rules: ['a *:* rwm', 'b 8:* rw', 'c 1:1 r', 'c *:* m', 'b *:* rwm']\n"
            ),
            ["CG407@4"; 5]
        );
    }

    #[test]
    fn ordinary_devices() {
        assert!(run("services:\n  a:\n    image: x\n    devices:\n      - /dev/fuse:/dev/fuse\n      - /dev/net/tun\n      - /dev/dri:/dev/dri\n      - /dev/ttyUSB0:/dev/ttyACM0\n      - /dev/snd\n      - nvidia.com/gpu=all\n      - ${DEV}:/dev/x\n    device_cgroup_rules: ['c 189:* rmw', 'c 81:* rmw', 'c 1:3 rw']\n").is_empty());
    }
}
