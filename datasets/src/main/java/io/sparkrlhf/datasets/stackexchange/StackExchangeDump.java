package io.sparkrlhf.datasets.stackexchange;

import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.createStructField;
import static org.apache.spark.sql.types.DataTypes.createStructType;

import io.sparkrlhf.datasets.io.FileNamingTextInputFormat;
import io.sparkrlhf.datasets.tables.BadRecordsTable;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/**
 * Reads {@code Posts.xml} files (plain, gzip, or bzip2, which Hadoop splits across tasks) into one
 * row per line that matters: a post, a bad record, or a post of another type (kept only to be
 * counted). Line reading is Hadoop's, which accepts LF, CR and CRLF endings; a file that cannot be
 * decoded fails the job naming it ({@link FileNamingTextInputFormat}).
 */
public final class StackExchangeDump {
  private StackExchangeDump() {}

  public static final String KIND = "kind";
  public static final String KIND_POST = "post";
  public static final String KIND_BAD = "bad";
  public static final String KIND_OTHER = "other";

  /**
   * One row per line that matters. {@code thread_id} groups a question with its answers (the
   * question's id; an answer's parent id); a bad or other-type line gets a key of its own,
   * {@code -(offset + 1)}, so one shuffle carries everything and nothing is parsed twice.
   */
  public static final StructType POSTS_SCHEMA =
      createStructType(
          List.of(
              createStructField("site", StringType, false),
              createStructField("thread_id", LongType, false),
              createStructField(KIND, StringType, false),
              createStructField("post_type", IntegerType, true),
              createStructField("id", LongType, true),
              createStructField("accepted_answer_id", LongType, true),
              createStructField("score", IntegerType, true),
              createStructField("title", StringType, true),
              createStructField("body", StringType, true),
              createStructField("source_file", StringType, true),
              createStructField("offset", LongType, true),
              createStructField("reason", StringType, true),
              createStructField("detail", StringType, true),
              createStructField("raw_row", StringType, true)));

  public static Dataset<Row> read(SparkSession spark, List<DumpFiles.DumpFile> files, int maxRowChars) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<JavaRDD<Row>> parts = new ArrayList<>();
    for (DumpFiles.DumpFile file : files) {
      String path = file.path();
      String site = file.site();
      JavaRDD<Row> rows =
          jsc.newAPIHadoopFile(path, FileNamingTextInputFormat.class, LongWritable.class, Text.class,
              jsc.hadoopConfiguration())
              .mapPartitions(lines -> parseLines(lines, path, site, maxRowChars));
      parts.add(rows);
    }
    JavaRDD<Row> all = parts.size() == 1 ? parts.get(0) : jsc.union(parts.toArray(JavaRDD[]::new));
    return spark.createDataFrame(all, POSTS_SCHEMA);
  }

  private static Iterator<Row> parseLines(
      Iterator<Tuple2<LongWritable, Text>> lines, String file, String site, int maxRowChars) {
    PostRowParser parser = new PostRowParser(maxRowChars);
    return new Iterator<>() {
      private Row next = advance();

      private Row advance() {
        while (lines.hasNext()) {
          Tuple2<LongWritable, Text> line = lines.next();
          Row row = toRow(parser, line._1().get(), line._2(), file, site, maxRowChars);
          if (row != null) {
            return row;
          }
        }
        return null;
      }

      @Override
      public boolean hasNext() {
        return next != null;
      }

      @Override
      public Row next() {
        Row r = next;
        next = advance();
        return r;
      }
    };
  }

  /** One line to a row; null for structural lines. Hadoop reuses the Text, so it is read here at once. */
  static Row toRow(PostRowParser parser, long offset, Text text, String file, String site, int maxRowChars) {
    ParsedLine parsed;
    String raw;
    if (text.getLength() > maxRowChars) {
      raw = lenient(text, BadRecordsTable.RAW_ROW_LIMIT);
      parsed = new ParsedLine.Bad(PostRowParser.ROW_TOO_LARGE,
          "row of " + text.getLength() + " bytes exceeds the limit of " + maxRowChars);
    } else {
      try {
        raw = Text.decode(text.getBytes(), 0, text.getLength(), false);
        parsed = parser.parse(raw);
      } catch (CharacterCodingException e) {
        raw = lenient(text, BadRecordsTable.RAW_ROW_LIMIT);
        parsed = new ParsedLine.Bad(PostRowParser.INVALID_UTF8, "row is not valid UTF-8");
      }
    }
    long ownKey = -(offset + 1);
    if (parsed instanceof ParsedLine.Post p) {
      long threadId = p.isQuestion() ? p.id() : p.parentId();
      return RowFactory.create(site, threadId, KIND_POST, p.postTypeId(), p.id(), p.acceptedAnswerId(), p.score(),
          p.title(), p.body(), null, null, null, null, null);
    }
    if (parsed instanceof ParsedLine.Bad b) {
      String cut = raw.length() > BadRecordsTable.RAW_ROW_LIMIT ? raw.substring(0, BadRecordsTable.RAW_ROW_LIMIT) : raw;
      return RowFactory.create(site, ownKey, KIND_BAD, null, null, null, null, null, null, file, offset, b.reason(),
          b.detail(), cut);
    }
    if (parsed instanceof ParsedLine.OtherPostType o) {
      return RowFactory.create(site, ownKey, KIND_OTHER, o.postTypeId(), null, null, null, null, null, null, null,
          null, null, null);
    }
    return null;
  }

  private static String lenient(Text text, int limit) {
    int n = Math.min(text.getLength(), limit * 4);
    String s = new String(text.getBytes(), 0, n, StandardCharsets.UTF_8);
    return s.length() > limit ? s.substring(0, limit) : s;
  }
}
