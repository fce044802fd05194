package io.sparkrlhf.datasets.paired;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.conv;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.nullif;
import static org.apache.spark.sql.functions.regexp_extract;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.substring;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

import io.sparkrlhf.datasets.io.ParquetChecksums;
import io.sparkrlhf.datasets.tables.BadRecordsTable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

/**
 * An already-paired table in the layout of the public {@code stack-exchange-paired} data:
 * {@code qid, question, date, metadata, response_j, response_k}, {@code response_j} preferred. Read
 * from Parquet (a file or directory), JSON Lines ({@code .jsonl}) or a JSON array ({@code .json}).
 * The site comes from the host of the first {@code metadata} URL when there is one.
 *
 * <p>A table without a {@code qid} column (common in exported preference data) gets one derived
 * from the question text: {@link #DERIVED_QID_RULE}. It depends on nothing but the text, so it is
 * the same on every run, machine and partitioning, and rows that share a question share an id.
 */
public final class PairedTable {
  private PairedTable() {}

  public static final List<String> REQUIRED = List.of("qid", "question", "response_j", "response_k");
  /** The columns without which a table is refused; {@code qid} can be derived. */
  public static final List<String> REQUIRED_WITHOUT_QID = List.of("question", "response_j", "response_k");
  public static final String DERIVED_QID_RULE =
      "qid = the first 15 hex digits of SHA-256 over the question's UTF-8 bytes, as a number (60 bits, >= 0);"
          + " in Python int(hashlib.sha256(question.encode('utf-8')).hexdigest()[:15], 16)";
  public static final String DEFAULT_SITE = "paired";

  /** Usable rows ({@code site, qid, question, response_j, response_k}) and bad records. */
  public record Input(Dataset<Row> rows, Dataset<Row> bad) {}

  /** Checks every path exists and has the required columns before any Spark job runs. */
  public static Input read(SparkSession spark, List<String> paths) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    Dataset<Row> all = null;
    for (String path : paths) {
      Dataset<Row> one = readOne(spark, path, conf);
      List<String> columns = Arrays.asList(one.columns());
      List<String> missing = REQUIRED_WITHOUT_QID.stream().filter(c -> !columns.contains(c)).toList();
      if (!missing.isEmpty()) {
        throw new IllegalArgumentException(
            "paired input " + path + " lacks column(s) " + missing + "; found " + columns);
      }
      Dataset<Row> normalised =
          one.select(
              site(one).as("site"),
              columns.contains("qid") ? expr("try_cast(qid as bigint)").as("qid") : derivedQid().as("qid"),
              col("question").cast("string").as("question"),
              col("response_j").cast("string").as("response_j"),
              col("response_k").cast("string").as("response_k"),
              input_file_name().as("source_file"),
              substring(to_json(struct(REQUIRED.stream().filter(columns::contains).map(c -> col(c))
                  .toArray(Column[]::new))), 1,
                  BadRecordsTable.RAW_ROW_LIMIT).as("raw_row"));
      all = all == null ? normalised : all.unionByName(normalised);
    }
    Column reason =
        when(col("question").isNull().or(trim(col("question")).equalTo("")), lit("empty_question"))
            .when(col("qid").isNull(), lit("invalid_qid"))
            .when(col("response_j").isNull().or(col("response_k").isNull()), lit("missing_response"));
    Dataset<Row> withReason = all.withColumn("reason", reason);
    Dataset<Row> rows =
        withReason.filter(col("reason").isNull())
            .select(col("site"), col("qid"), col("question"), col("response_j"), col("response_k"));
    Dataset<Row> bad =
        withReason.filter(col("reason").isNotNull())
            .select(
                col("source_file").as(BadRecordsTable.SOURCE_FILE),
                lit(-1L).as(BadRecordsTable.OFFSET),
                col("reason").as(BadRecordsTable.REASON),
                expr("concat('paired row has ', reason)").as(BadRecordsTable.DETAIL),
                coalesce(col("raw_row"), lit("")).as(BadRecordsTable.RAW_ROW));
    return new Input(rows, bad);
  }

  /** {@link #DERIVED_QID_RULE} as a Spark column; null for a null question (then reported as empty). */
  static Column derivedQid() {
    return conv(substring(sha2(col("question").cast("string"), 256), 1, 15), 16, 10).cast("bigint");
  }

  private static Column site(Dataset<Row> table) {
    for (StructField f : table.schema().fields()) {
      if (f.name().equals("metadata") && f.dataType() instanceof ArrayType a
          && a.elementType().equals(DataTypes.StringType)) {
        // try_element_at: an empty metadata array is null, not an ANSI-mode error.
        Column host = regexp_extract(expr("try_element_at(metadata, 1)"), "^https?://([^/]+)", 1);
        return coalesce(nullif(host, lit("")), lit(DEFAULT_SITE));
      }
    }
    return lit(DEFAULT_SITE);
  }

  private static Dataset<Row> readOne(SparkSession spark, String path, Configuration conf) {
    Path p = new Path(path);
    try {
      FileSystem fs = p.getFileSystem(conf);
      if (!fs.exists(p)) {
        throw new IllegalArgumentException("input path does not exist: " + path);
      }
      FileStatus status = fs.getFileStatus(p);
      String name = p.getName().toLowerCase(java.util.Locale.ROOT);
      if (status.isDirectory() || name.endsWith(".parquet")) {
        return ParquetChecksums.reader(spark).parquet(path);
      }
      if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) {
        return spark.read().json(path);
      }
      if (name.endsWith(".json")) {
        return spark.read().option("multiLine", startsWithArray(fs, p)).json(path);
      }
      throw new IllegalArgumentException(
          "paired input " + path + ": unknown format; use .parquet (or a directory of Parquet), .jsonl or .json");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read paired input " + path + ": " + e.getMessage(), e);
    }
  }

  /** A {@code .json} file holding one JSON array rather than one object per line. */
  private static boolean startsWithArray(FileSystem fs, Path p) throws IOException {
    try (InputStream in = fs.open(p)) {
      int c;
      while ((c = in.read()) >= 0) {
        if (c == 0xEF || c == 0xBB || c == 0xBF || Character.isWhitespace(c)) {
          continue; // BOM or whitespace
        }
        return c == '[';
      }
      return false;
    }
  }
}
