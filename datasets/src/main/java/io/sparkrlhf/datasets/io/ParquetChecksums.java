package io.sparkrlhf.datasets.io;

import org.apache.parquet.hadoop.ParquetInputFormat;
import org.apache.parquet.hadoop.ParquetOutputFormat;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Parquet with a CRC per page, written and verified, so that bytes changed after writing fail the
 * read with the file named instead of being read as other values. Hadoop's {@code .crc} side files
 * catch that on local disks and HDFS, but object stores such as S3 have none. Parquet 1.15 (Spark
 * 4.0's) writes page checksums by default and verifies them only when asked; pages written without
 * one (older files) are read unchecked.
 */
public final class ParquetChecksums {
  private ParquetChecksums() {}

  /** {@code spark.read()}, verifying page checksums. */
  public static DataFrameReader reader(SparkSession spark) {
    return spark.read().option(ParquetInputFormat.PAGE_VERIFY_CHECKSUM_ENABLED, "true");
  }

  /** {@code table.write()}, writing page checksums. */
  public static DataFrameWriter<Row> writer(Dataset<Row> table) {
    return table.write().option(ParquetOutputFormat.PAGE_WRITE_CHECKSUM_ENABLED, "true");
  }
}
