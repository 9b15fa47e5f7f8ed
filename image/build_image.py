#!/usr/bin/python3
"""Builds the gateway's container image from this machine's files, offline.

No base image: the root filesystem is assembled from the gateway binary, the
exact shared libraries the dynamic loader resolves for it (ldd), the loader
itself, the NSS modules glibc loads for name lookups, CA certificates, and a
minimal /etc (passwd and group with the non-root user 65532, nsswitch.conf).

Writes an OCI image layout as a tar (--oci) and, optionally, a docker-archive
tar (--docker) that `docker load` / `podman load` accept. Deterministic: files
sorted, mtimes 0, owners numeric, gzip without timestamps, so the same inputs
give the same digests.

usage: build_image.py --binary PATH --oci OUT.tar [--docker OUT.tar]
                      [--tag llm-gateway:dev] [--extra-lib PATH ...]
"""
import argparse
import gzip
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile

USER_ID = 65532
ENTRYPOINT = "/usr/local/bin/llm_gateway"
LOADER = "/lib64/ld-linux-x86-64.so.2"
# glibc loads these at run time (getaddrinfo, getpwuid), ldd cannot see them.
NSS_MODULES = [
    "/lib/x86_64-linux-gnu/libnss_files.so.2",
    "/lib/x86_64-linux-gnu/libnss_dns.so.2",
    "/lib/x86_64-linux-gnu/libresolv.so.2",
]
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"

PASSWD = ("root:x:0:0:root:/root:/sbin/nologin\n"
          "nonroot:x:65532:65532:llm-gateway:/home/nonroot:/sbin/nologin\n")
GROUP = "root:x:0:\nnonroot:x:65532:\n"
NSSWITCH = "passwd: files\ngroup: files\nhosts: files dns\n"


def shared_libraries(binary):
    """Absolute paths of every library the loader resolves for `binary`."""
    out = subprocess.run(["ldd", binary], check=True, capture_output=True,
                         text=True).stdout
    libs = []
    for line in out.splitlines():
        m = re.search(r"=>\s+(/\S+)", line)
        if m:
            libs.append(m.group(1))
        elif "not found" in line:
            sys.exit("build_image: unresolved library: " + line.strip())
        else:
            m = re.match(r"\s*(/\S+)", line)  # the loader line
            if m:
                libs.append(m.group(1))
    return libs


class Layer:
    """A deterministic tar layer built in memory."""

    def __init__(self):
        self.entries = {}  # path -> (TarInfo, bytes or None)

    def _info(self, path, kind, mode, uid=0):
        info = tarfile.TarInfo(path.lstrip("/"))
        info.type = kind
        info.mode = mode
        info.uid = info.gid = uid
        info.uname = info.gname = ""
        info.mtime = 0
        return info

    def add_dir(self, path, mode=0o755, uid=0):
        parts = path.strip("/").split("/")
        for i in range(1, len(parts) + 1):
            p = "/" + "/".join(parts[:i])
            if p not in self.entries:
                is_target = i == len(parts)
                self.entries[p] = (self._info(
                    p, tarfile.DIRTYPE, mode if is_target else 0o755,
                    uid if is_target else 0), None)

    def add_bytes(self, path, data, mode=0o644):
        self.add_dir(os.path.dirname(path))
        info = self._info(path, tarfile.REGTYPE, mode)
        info.size = len(data)
        self.entries[path] = (info, data)

    def add_file(self, path, source=None, mode=None):
        real = os.path.realpath(source or path)
        with open(real, "rb") as f:
            data = f.read()
        if mode is None:
            mode = 0o755 if os.access(real, os.X_OK) else 0o644
        self.add_bytes(path, data, mode)

    def add_symlink(self, path, target):
        self.add_dir(os.path.dirname(path))
        info = self._info(path, tarfile.SYMTYPE, 0o777)
        info.linkname = target
        self.entries[path] = (info, None)

    def tar_bytes(self):
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
            for path in sorted(self.entries):
                info, data = self.entries[path]
                t.addfile(info, io.BytesIO(data) if data is not None else None)
        return buf.getvalue()


def gz(data):
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, compresslevel=6) as g:
        g.write(data)
    return buf.getvalue()


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def system_layer(binary, extra_libs):
    layer = Layer()
    libs = shared_libraries(binary) + NSS_MODULES + list(extra_libs)
    for lib in sorted(set(libs)):
        layer.add_file(lib)
    # The loader, at the path in the binary's PT_INTERP.
    layer.add_file(LOADER)
    # Debian's merged /usr: /usr/lib/x86_64-linux-gnu is searched too.
    layer.add_symlink("/usr/lib/x86_64-linux-gnu", "../../lib/x86_64-linux-gnu")
    layer.add_file(CA_BUNDLE, mode=0o644)
    layer.add_bytes("/etc/passwd", PASSWD.encode())
    layer.add_bytes("/etc/group", GROUP.encode())
    layer.add_bytes("/etc/nsswitch.conf", NSSWITCH.encode())
    layer.add_dir("/tmp", mode=0o1777)
    layer.add_dir("/home/nonroot", mode=0o755, uid=USER_ID)
    # Config is mounted here; durable state (SQLite ledger, audit) here.
    layer.add_dir("/etc/llmgw", mode=0o755)
    layer.add_dir("/var/lib/llmgw", mode=0o755, uid=USER_ID)
    return layer


def app_layer(binary):
    layer = Layer()
    layer.add_file(ENTRYPOINT, source=binary, mode=0o755)
    return layer


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--oci", required=True)
    parser.add_argument("--docker")
    parser.add_argument("--tag", default="llm-gateway:dev")
    parser.add_argument("--extra-lib", action="append", default=[])
    args = parser.parse_args()

    layers = [system_layer(args.binary, args.extra_lib).tar_bytes(),
              app_layer(args.binary).tar_bytes()]
    diff_ids = [sha(l) for l in layers]
    blobs = [gz(l) for l in layers]
    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": "1970-01-01T00:00:00Z",
        "config": {
            "User": "%d:%d" % (USER_ID, USER_ID),
            "Entrypoint": [ENTRYPOINT],
            "Cmd": ["--config=/etc/llmgw/gateway.yaml",
                    "--data_dir=/var/lib/llmgw"],
            "Env": ["PATH=/usr/local/bin",
                    "SSL_CERT_FILE=" + CA_BUNDLE],
            "WorkingDir": "/home/nonroot",
            "ExposedPorts": {"50051/tcp": {}, "9464/tcp": {}},
            "Labels": {"org.opencontainers.image.title": "llm-gateway"},
        },
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created": "1970-01-01T00:00:00Z",
                     "created_by": "image/build_image.py: system files"},
                    {"created": "1970-01-01T00:00:00Z",
                     "created_by": "image/build_image.py: llm_gateway"}],
    }
    config_bytes = json.dumps(config, sort_keys=True).encode()
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": sha(config_bytes), "size": len(config_bytes)},
        "layers": [{"mediaType":
                    "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": sha(b), "size": len(b)} for b in blobs],
    }
    manifest_bytes = json.dumps(manifest, sort_keys=True).encode()
    index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": sha(manifest_bytes), "size": len(manifest_bytes),
            "annotations": {"org.opencontainers.image.ref.name":
                            args.tag.split(":")[-1],
                            "io.containerd.image.name": args.tag},
        }],
    }
    oci = Layer()
    oci.add_bytes("/oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
    oci.add_bytes("/index.json", json.dumps(index, sort_keys=True).encode())
    for data in [config_bytes, manifest_bytes] + blobs:
        oci.add_bytes("/blobs/sha256/" + sha(data)[7:], data)
    with open(args.oci, "wb") as f:
        f.write(oci.tar_bytes())

    if args.docker:
        docker = Layer()
        config_name = sha(config_bytes)[7:] + ".json"
        docker.add_bytes("/" + config_name, config_bytes)
        names = []
        for layer, diff in zip(layers, diff_ids):
            name = diff[7:] + "/layer.tar"
            docker.add_bytes("/" + name, layer)
            names.append(name)
        docker.add_bytes("/manifest.json", json.dumps(
            [{"Config": config_name, "RepoTags": [args.tag],
              "Layers": names}]).encode())
        with open(args.docker, "wb") as f:
            f.write(docker.tar_bytes())
    print("image: %s (manifest %s, %d layers)" %
          (args.oci, sha(manifest_bytes), len(layers)))


if __name__ == "__main__":
    main()
