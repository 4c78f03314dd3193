"""Several `pilot-bot serve` processes on one database and one Slack emulator, for the
chaos benchmark: started, killed with SIGKILL, started again, and watched for being live
(``GET /healthz`` answered since the last start)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PROBE_EVERY = 0.2  # seconds between health probes of an instance that is not live yet


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def pilot_bot() -> list[str]:
    """The `pilot-bot` entry point of this interpreter's environment."""
    script = Path(sys.executable).with_name("pilot-bot")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())"]


@dataclass
class Instance:
    number: int
    port: int
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    generation: int = 0  # bumped at every start: a request spans one generation or failed
    live: bool = False
    started_at: float = 0.0
    startup_seconds: list[float] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class Fleet:
    """``count`` instances of `pilot-bot serve` with the environment ``env``."""

    def __init__(self, *, count: int, env: dict[str, str], logs: Path) -> None:
        self._env = env
        self.instances = [
            Instance(number, free_port(), logs / f"instance-{number}.log")
            for number in range(count)
        ]
        # Held while a kill happens, and by anyone who must not see one meanwhile.
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._spawning = threading.Lock()  # a kill's restart and the watcher's, one at a time
        self.exits = 0  # instances that exited by themselves (then started again)
        self._watcher = threading.Thread(target=self._watch, daemon=True, name="fleet-watch")

    def start(self) -> None:
        for instance in self.instances:
            self._spawn(instance)
        self._watcher.start()

    def _spawn(self, instance: Instance) -> None:
        env = {**self._env, "PORT": str(instance.port), "HOST": "127.0.0.1"}
        with instance.log_path.open("ab") as log:
            instance.process = subprocess.Popen(  # noqa: S603 - our own entry point
                [*pilot_bot(), "serve", "--port", str(instance.port)],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches the bench only
            )
        instance.generation += 1
        instance.live = False
        instance.started_at = time.monotonic()

    def kill(self, instance: Instance) -> None:
        """SIGKILL, as a crash or an OOM kill would; then start it again at once."""
        with self._spawning:
            process = instance.process
            assert process is not None
            instance.live = False
            instance.generation += 1
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            self._spawn(instance)

    def live(self) -> list[Instance]:
        return [instance for instance in self.instances if instance.live]

    def wait_live(self, timeout: float = 60.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(instance.live for instance in self.instances):
                return True
            time.sleep(PROBE_EVERY)
        return False

    def _watch(self) -> None:
        while not self._stop.wait(PROBE_EVERY):
            for instance in self.instances:
                if instance.live or instance.process is None:
                    continue
                with self._spawning:
                    if instance.process.poll() is not None:  # exited by itself: start again
                        self.exits += 1
                        self._spawn(instance)
                        continue
                generation = instance.generation
                if _healthy(instance.url) and instance.generation == generation:
                    instance.live = True
                    instance.startup_seconds.append(time.monotonic() - instance.started_at)

    def stop(self) -> None:
        self._stop.set()
        for instance in self.instances:
            process = instance.process
            if process is None or process.poll() is not None:
                continue
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            instance.live = False


@contextmanager
def running_fleet(*, count: int, env: dict[str, str], logs: Path) -> Iterator[Fleet]:
    fleet = Fleet(count=count, env=env, logs=logs)
    try:
        fleet.start()
        yield fleet
    finally:
        fleet.stop()


def _healthy(url: str) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"{url}/healthz", timeout=2) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False
