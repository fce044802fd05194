package io.sparkrlhf.datasets.prepare;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.createArrayType;
import static org.apache.spark.sql.types.DataTypes.createMapType;
import static org.apache.spark.sql.types.DataTypes.createStructField;
import static org.apache.spark.sql.types.DataTypes.createStructType;

import io.sparkrlhf.datasets.stackexchange.PostRowParser;
import io.sparkrlhf.datasets.stackexchange.StackExchangeDump;
import io.sparkrlhf.datasets.tables.BadRecordsTable;
import io.sparkrlhf.datasets.tables.PreferencePairsTable;
import io.sparkrlhf.datasets.tables.RlPromptsTable;
import io.sparkrlhf.datasets.tables.SftPackedTable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The prepare pipeline as Spark SQL: posts (or a paired table) become one "thread" row per question
 * holding everything that question contributes, tokenised once; the three tables are projections
 * of the threads, and the SFT table packs their documents.
 */
public final class PrepareTables {
  private PrepareTables() {}

  private static final StructType SFT_DOC =
      createStructType(List.of(
          createStructField("answer_id", LongType, false),
          createStructField("ids", createArrayType(IntegerType, false), false)));

  private static final StructType PAIR =
      createStructType(List.of(
          createStructField("chosen_answer_id", LongType, false),
          createStructField("rejected_answer_id", LongType, false),
          createStructField("chosen_ids", createArrayType(IntegerType, false), false),
          createStructField("rejected_ids", createArrayType(IntegerType, false), false),
          createStructField("chosen_score", IntegerType, true),
          createStructField("rejected_score", IntegerType, true)));

  /**
   * One row per question, per group of orphaned answers, and per unusable line (then {@code bad}
   * or an {@code other_post_type} drop is set and {@code split} is empty); {@code source_rows}: the
   * well-formed input rows it was built from (0 for a bad line). Internal, never written.
   */
  public static final StructType THREADS_SCHEMA =
      createStructType(List.of(
          createStructField("site", StringType, false),
          createStructField("qid", LongType, false),
          createStructField("split", StringType, false),
          createStructField("prompt_ids", createArrayType(IntegerType, false), true),
          createStructField("sft_docs", createArrayType(SFT_DOC, false), false),
          createStructField("pairs", createArrayType(PAIR, false), false),
          createStructField("drops", createMapType(StringType, LongType, false), false),
          createStructField("bad", BadRecordsTable.SCHEMA, true),
          createStructField("source_rows", IntegerType, false)));

  /**
   * Rows of {@code StackExchangeDump.POSTS_SCHEMA} to threads: one hash shuffle by thread key, one
   * sort inside each partition, then consecutive rows of a key form a thread. (A collect_list
   * aggregate sorts twice, map and reduce side, once past 128 keys.)
   */
  public static Dataset<Row> threadsFromPosts(SparkSession spark, Dataset<Row> posts, PrepareOptions options) {
    Broadcast<PrepareOptions> shared = broadcast(spark, options);
    JavaRDD<InternalRow> threads =
        posts.repartition(col("site"), col("thread_id"))
            .sortWithinPartitions(col("thread_id"), col("site")) // the long first: a radix-sortable prefix
            .javaRDD()
            .mapPartitions(rows -> threadsOfPosts(new ConsecutiveGroups(rows), shared.value()));
    return CatalystRows.dataFrame(spark, threads, THREADS_SCHEMA);
  }

  private static <T> Broadcast<T> broadcast(SparkSession spark, T value) {
    return JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(value);
  }

  private static final Map<String, Long> OTHER_POST_TYPE = Map.of(DropReason.OTHER_POST_TYPE, 1L);
  private static final UTF8String EMPTY_SPLIT = CatalystRows.string("");
  private static final ArrayData NONE = CatalystRows.array(new Object[0]);

  private static Iterator<InternalRow> threadsOfPosts(Iterator<List<Row>> groups, PrepareOptions options) {
    QuestionThread recipe = new QuestionThread(options);
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return groups.hasNext();
      }

      @Override
      public InternalRow next() {
        return thread(groups.next(), recipe);
      }
    };
  }

  /** One group of POSTS_SCHEMA rows: site, thread_id, kind, post_type, id, accepted_answer_id, score, title, body, ... */
  private static InternalRow thread(List<Row> posts, QuestionThread recipe) {
    Row first = posts.get(0);
    String site = first.getString(0);
    long threadId = first.getLong(1);
    if (threadId < 0) { // one bad or other-type line, keyed by its offset
      if (StackExchangeDump.KIND_BAD.equals(first.getString(2))) {
        InternalRow bad = CatalystRows.row(CatalystRows.string(first.getString(9)), first.getLong(10),
            CatalystRows.string(first.getString(11)), CatalystRows.string(first.getString(12)),
            CatalystRows.string(first.getString(13)));
        return CatalystRows.row(CatalystRows.string(site), threadId, EMPTY_SPLIT, null, NONE, NONE,
            CatalystRows.stringToLong(Map.of()), bad, 0);
      }
      return CatalystRows.row(CatalystRows.string(site), threadId, EMPTY_SPLIT, null, NONE, NONE,
          CatalystRows.stringToLong(OTHER_POST_TYPE), null, 1);
    }
    Row question = null;
    List<QuestionThread.Answer> answers = new ArrayList<>(posts.size());
    for (Row p : posts) {
      if (p.getInt(3) == PostRowParser.QUESTION) {
        question = question == null ? p : question; // a repeated question row: the first wins
      } else {
        answers.add(new QuestionThread.Answer(p.getLong(4), p.getInt(6), p.getString(8)));
      }
    }
    if (question == null) {
      return toRow(recipe.orphans(site, threadId, answers.size()), posts.size());
    }
    Long accepted = question.isNullAt(5) ? null : question.getLong(5);
    return toRow(recipe.fromAnswers(
        new QuestionThread.Question(site, threadId, question.getString(7), question.getString(8), accepted), answers),
        posts.size());
  }

  /** The bad records the threads carry (StackExchange input). */
  public static Dataset<Row> badRecords(Dataset<Row> threads) {
    return threads.filter(col("bad").isNotNull()).select(col("bad.*"));
  }

  /**
   * A paired table ({@code site, qid, question, response_j, response_k}, already validated) to
   * threads; {@code response_j} is the preferred response.
   */
  public static Dataset<Row> threadsFromPaired(SparkSession spark, Dataset<Row> paired, PrepareOptions options) {
    Dataset<Row> grouped =
        paired.groupBy(col("site"), col("qid"))
            .agg(
                expr("first(question)").as("question"),
                collect_list(struct(col("response_j"), col("response_k"))).as("given"));
    Broadcast<PrepareOptions> shared = broadcast(spark, options);
    JavaRDD<InternalRow> threads = grouped.javaRDD().mapPartitions(rows -> {
      QuestionThread recipe = new QuestionThread(shared.value());
      return map(rows, r -> {
        List<QuestionThread.GivenPair> given = new ArrayList<>();
        for (Row p : r.<Row>getList(r.fieldIndex("given"))) {
          given.add(new QuestionThread.GivenPair(p.getString(0), p.getString(1)));
        }
        return toRow(recipe.fromGivenPairs(r.getAs("site"), r.<Long>getAs("qid"), r.getAs("question"), given),
            given.size());
      });
    });
    return CatalystRows.dataFrame(spark, threads, THREADS_SCHEMA);
  }

  static InternalRow toRow(QuestionThread.Result t, int sourceRows) {
    Object[] docs = new Object[t.sftDocs().size()];
    for (int i = 0; i < docs.length; i++) {
      QuestionThread.SftDoc d = t.sftDocs().get(i);
      docs[i] = CatalystRows.row(d.answerId(), CatalystRows.ints(d.ids()));
    }
    Object[] pairs = new Object[t.pairs().size()];
    for (int i = 0; i < pairs.length; i++) {
      QuestionThread.ScoredPair p = t.pairs().get(i);
      pairs[i] = CatalystRows.row(p.chosenAnswerId(), p.rejectedAnswerId(), CatalystRows.ints(p.chosenIds()),
          CatalystRows.ints(p.rejectedIds()), p.chosenScore(), p.rejectedScore());
    }
    return CatalystRows.row(CatalystRows.string(t.site()), t.questionId(), CatalystRows.string(t.split()),
        CatalystRows.ints(t.promptIds()), CatalystRows.array(docs), CatalystRows.array(pairs),
        CatalystRows.stringToLong(t.drops()), null, sourceRows);
  }

  public static Dataset<Row> rlPrompts(Dataset<Row> threads, String split) {
    return threads.filter(col("split").equalTo(split).and(col("prompt_ids").isNotNull()))
        .select(col("qid").as(RlPromptsTable.QID), col("site").as(RlPromptsTable.SITE),
            col("prompt_ids").as(RlPromptsTable.PROMPT_IDS));
  }

  public static Dataset<Row> preferencePairs(Dataset<Row> threads, String split) {
    return threads.filter(col("split").equalTo(split))
        .select(col("qid"), col("site"), col("prompt_ids"), explode(col("pairs")).as("p"))
        .select(
            col("qid").as(PreferencePairsTable.QID),
            col("site").as(PreferencePairsTable.SITE),
            col("prompt_ids").as(PreferencePairsTable.PROMPT_IDS),
            col("p.chosen_ids").as(PreferencePairsTable.CHOSEN_IDS),
            col("p.rejected_ids").as(PreferencePairsTable.REJECTED_IDS),
            col("p.chosen_score").as(PreferencePairsTable.CHOSEN_SCORE),
            col("p.rejected_score").as(PreferencePairsTable.REJECTED_SCORE),
            col("p.chosen_score").minus(col("p.rejected_score")).as(PreferencePairsTable.MARGIN),
            col("p.chosen_answer_id").as(PreferencePairsTable.CHOSEN_ANSWER_ID),
            col("p.rejected_answer_id").as(PreferencePairsTable.REJECTED_ANSWER_ID));
  }

  /**
   * Packs the split's SFT documents into {@code seq_len} blocks. Documents are dealt to partitions
   * and ordered inside them by a seeded hash, so blocks mix sites and questions and the output is
   * the same on every run; each partition packs its own stream (its last partial block dropped).
   */
  public static Dataset<Row> sftPacked(
      SparkSession spark, Dataset<Row> threads, String split, PrepareOptions options, long splitTokens) {
    Column orderKey = xxhash64(lit(options.seed()), col("site"), col("qid"), col("answer_id"));
    Dataset<Row> docs =
        threads.filter(col("split").equalTo(split))
            .select(col("site"), col("qid"), explode(col("sft_docs")).as("d"))
            .select(col("site"), col("qid"), col("d.answer_id").as("answer_id"), col("d.ids").as("ids"))
            .withColumn("order_key", orderKey);
    int partitions = packPartitions(splitTokens, options.packTokensPerPartition());
    int seqLen = options.seqLen();
    JavaRDD<InternalRow> blocks =
        CatalystRows.internalRows(docs.repartition(partitions, col("order_key"))
                .sortWithinPartitions(col("order_key"), col("site"), col("qid"), col("answer_id")))
            .mapPartitions(rows -> pack(rows, seqLen));
    return CatalystRows.dataFrame(spark, blocks, SftPackedTable.SCHEMA);
  }

  static int packPartitions(long tokens, long tokensPerPartition) {
    return (int) Math.max(1, Math.min(100_000, (tokens + tokensPerPartition - 1) / tokensPerPartition));
  }

  private static Iterator<InternalRow> pack(Iterator<InternalRow> docs, int seqLen) {
    SequencePacker packer = new SequencePacker(seqLen);
    int idsField = 3;
    List<InternalRow> ready = new ArrayList<>();
    return new Iterator<>() {
      int at;

      @Override
      public boolean hasNext() {
        while (at >= ready.size()) {
          ready.clear();
          at = 0;
          if (!docs.hasNext()) {
            packer.finish();
            return false;
          }
          int[] doc = docs.next().getArray(idsField).toIntArray();
          for (SequencePacker.Block b : packer.add(doc)) {
            ready.add(CatalystRows.row(CatalystRows.ints(b.inputIds()), CatalystRows.ints(b.docIds())));
          }
        }
        return true;
      }

      @Override
      public InternalRow next() {
        if (!hasNext()) {
          throw new java.util.NoSuchElementException();
        }
        return ready.get(at++);
      }
    };
  }

  /** Per split: questions with a prompt, pairs, SFT documents and their tokens. */
  public record SplitCounts(long prompts, long pairs, long sftDocs, long sftTokens) {}

  public static Map<String, SplitCounts> countsBySplit(Dataset<Row> threads) {
    Map<String, SplitCounts> out = new HashMap<>();
    for (String split : new String[] {EvalSplit.TRAIN, EvalSplit.EVAL}) {
      out.put(split, new SplitCounts(0, 0, 0, 0));
    }
    List<Row> rows =
        threads.groupBy(col("split"))
            .agg(
                count(when(col("prompt_ids").isNotNull(), lit(1))).as("prompts"),
                sum(size(col("pairs"))).as("pairs"),
                sum(size(col("sft_docs"))).as("docs"),
                sum(expr("aggregate(sft_docs, 0L, (acc, d) -> acc + size(d.ids))")).as("tokens"))
            .collectAsList();
    for (Row r : rows) {
      if (out.containsKey(r.getString(0))) { // not the "" of bad and other-type lines
        out.put(r.getString(0), new SplitCounts(r.getLong(1), r.getLong(2), r.getLong(3), r.getLong(4)));
      }
    }
    return out;
  }

  /** One site's input: its well-formed rows, and its bad rows by reason. */
  public record SourceCounts(long rows, Map<String, Long> badByReason) {
    public long bad() {
      return badByReason.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  /** Per site, what its input held; the bad records counted here are those the threads carry (StackExchange input). */
  public static Map<String, SourceCounts> sourceCountsBySite(Dataset<Row> threads) {
    Map<String, Long> rows = new HashMap<>();
    Map<String, Map<String, Long>> bad = new HashMap<>();
    for (Row r : threads.groupBy(col("site"), col("bad.reason")).agg(sum(col("source_rows")), count(lit(1)))
        .collectAsList()) {
      String site = r.getString(0);
      if (r.isNullAt(1)) {
        rows.merge(site, r.getLong(2), Long::sum);
      } else {
        rows.putIfAbsent(site, 0L);
        bad.computeIfAbsent(site, s -> new TreeMap<>()).put(r.getString(1), r.getLong(3));
      }
    }
    Map<String, SourceCounts> out = new HashMap<>();
    rows.forEach((site, n) -> out.put(site, new SourceCounts(n, bad.getOrDefault(site, Map.of()))));
    return out;
  }

  public static Map<String, Long> dropCounts(Dataset<Row> threads) {
    Map<String, Long> out = new TreeMap<>();
    for (Row r : threads.select(explode(col("drops"))).groupBy(col("key")).agg(sum(col("value"))).collectAsList()) {
      out.put(r.getString(0), r.getLong(1));
    }
    return out;
  }

  private static <T> Iterator<T> map(Iterator<Row> rows, java.util.function.Function<Row, T> f) {
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return rows.hasNext();
      }

      @Override
      public T next() {
        return f.apply(rows.next());
      }
    };
  }
}
