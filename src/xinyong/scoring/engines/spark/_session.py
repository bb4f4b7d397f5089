"""Starting Spark for scoring: a local session on this machine or a client of a cluster.

Nothing is fetched at run time: no ``spark.jars.packages``, only the jars inside the pyspark
wheel. Dates are computed in UTC, as on DuckDB. A local session binds to the loopback address
and keeps its warehouse in a temporary directory, so scoring leaves nothing in the working
directory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from typing import TYPE_CHECKING

from xinyong.errors import XinyongError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

DEFAULT_MASTER = "local[2]"


def java_version() -> str | None:
    """The first line of ``java -version``, or None when no Java runtime can be started."""
    java = shutil.which("java")
    if java is None and os.environ.get("JAVA_HOME"):
        candidate = os.path.join(os.environ["JAVA_HOME"], "bin", "java")
        java = candidate if os.path.exists(candidate) else None
    if java is None:
        return None
    try:
        done = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60,
                              check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    lines = (done.stderr or done.stdout).strip().splitlines()
    return lines[0] if lines else "java"


def _local_cores(master: str) -> int | None:
    inside = master[len("local"):].strip("[]")
    if inside in ("", "*"):
        return os.cpu_count() or 1
    return int(inside) if inside.isdigit() else None


def spark_session(
    master: str = DEFAULT_MASTER,
    *,
    driver_memory: str = "2g",
    config: Mapping[str, str] | None = None,
) -> SparkSession:
    """A Spark session for scoring (``master`` like ``local[2]`` or ``spark://host:7077``).

    ``config`` entries override the defaults set here. Raises ``NO_SPARK`` without pyspark and
    ``NO_JAVA`` without a Java runtime, each with the command that fixes it.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise XinyongError(
            "NO_SPARK", "the Spark engine needs pyspark: pip install 'xinyong[spark]'",
            field="--engine",
        ) from None
    if java_version() is None:
        raise XinyongError(
            "NO_JAVA", "Spark needs a Java runtime (17 or later) and `java -version` fails; "
            "install one, e.g. `apt-get install default-jre-headless`, or set JAVA_HOME",
            field="--engine",
        )
    settings: dict[str, str] = {
        "spark.sql.session.timeZone": "UTC",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.driver.memory": driver_memory,
        # Scoring saves no tables; this only keeps Spark from making ./spark-warehouse.
        "spark.sql.warehouse.dir": os.path.join(tempfile.gettempdir(), "xinyong-spark-warehouse"),
    }
    cores = _local_cores(master) if master.startswith("local") else None
    if cores is not None:
        # One machine: stay on loopback, and a few shuffle partitions per core instead of 200.
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        settings["spark.driver.host"] = "127.0.0.1"
        settings["spark.driver.bindAddress"] = "127.0.0.1"
        settings["spark.sql.shuffle.partitions"] = str(4 * cores)
    settings.update(config or {})
    builder = SparkSession.builder.master(master).appName("xinyong-scoring")
    for key, value in settings.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session
