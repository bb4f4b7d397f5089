"""The Apache Spark scoring engine (pyspark; ``pip install 'xinyong[spark]'``, Java 17+)."""

from xinyong.scoring.engines.spark._engine import SparkEngine, spark_scoring_sql
from xinyong.scoring.engines.spark._session import DEFAULT_MASTER, java_version, spark_session

__all__ = ["DEFAULT_MASTER", "SparkEngine", "java_version", "spark_scoring_sql", "spark_session"]
