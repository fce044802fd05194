package io.sparkrlhf.datasets.tables;

import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.createStructField;
import static org.apache.spark.sql.types.DataTypes.createStructType;

import java.util.List;
import org.apache.spark.sql.types.StructType;

/**
 * {@code bad_records}: input rows that could not be used. {@code offset} is the byte offset at which
 * Hadoop's line reader found the row (exact for plain and gzip files; for bzip2 it is the position
 * in the compressed stream); {@code raw_row} is cut to {@link #RAW_ROW_LIMIT} characters.
 */
public final class BadRecordsTable {
  private BadRecordsTable() {}

  public static final String NAME = "bad_records";
  public static final int RAW_ROW_LIMIT = 1000;
  public static final String SOURCE_FILE = "source_file";
  public static final String OFFSET = "offset";
  public static final String REASON = "reason";
  public static final String DETAIL = "detail";
  public static final String RAW_ROW = "raw_row";

  public static final StructType SCHEMA =
      createStructType(
          List.of(
              createStructField(SOURCE_FILE, StringType, false),
              createStructField(OFFSET, LongType, false),
              createStructField(REASON, StringType, false),
              createStructField(DETAIL, StringType, false),
              createStructField(RAW_ROW, StringType, false)));
}
