package io.sparkrlhf.jobs.prepare;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkrlhf.datasets.hh.HhRlhfTable;
import io.sparkrlhf.datasets.io.ParquetChecksums;
import io.sparkrlhf.datasets.paired.PairedTable;
import io.sparkrlhf.datasets.prepare.PrepareOptions;
import io.sparkrlhf.datasets.prepare.PrepareTables;
import io.sparkrlhf.datasets.stackexchange.DumpFiles;
import io.sparkrlhf.datasets.stackexchange.StackExchangeDump;
import io.sparkrlhf.datasets.tables.BadRecordsTable;
import io.sparkrlhf.datasets.tables.PreferencePairsTable;
import io.sparkrlhf.datasets.tables.RlPromptsTable;
import io.sparkrlhf.datasets.tables.SftPackedTable;
import io.sparkrlhf.datasets.tables.TableSet;
import io.sparkrlhf.jobs.output.CommandInput;
import io.sparkrlhf.jobs.output.OutputGuard;
import io.sparkrlhf.jobs.output.OutputKind;
import io.sparkrlhf.model.prompt.PromptTemplate;
import io.sparkrlhf.model.tokenizer.TokenizerSpec;
import io.sparkrlhf.spark.CodeVersion;
import io.sparkrlhf.storage.GenerationCommitter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code rlhf prepare}: a StackExchange dump (or a paired table, or HH-RLHF transcripts) becomes the packed-SFT,
 * preference-pair and RL-prompt tables plus bad records, committed together as one generation.
 * Configuration and inputs are checked before any Spark job runs; a failure leaves the previous
 * output as it was.
 */
public final class PrepareJob {
  private static final Logger LOG = LoggerFactory.getLogger(PrepareJob.class);
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** Test seam: called after each table is written, before the commit. */
  public interface Hooks {
    Hooks NONE = table -> { };

    void tableWritten(String table);
  }

  private final SparkSession spark;
  private final PrepareSettings settings;
  private final Hooks hooks;
  private final Map<String, Double> timings = new LinkedHashMap<>();

  public PrepareJob(SparkSession spark, PrepareSettings settings, Hooks hooks) {
    this.spark = spark;
    this.settings = settings;
    this.hooks = hooks;
  }

  /**
   * Spark settings for the job's own queries, set while it runs and restored after:
   * <ul>
   *   <li>Token ids are arrays of never-null ints. Spark's default writes each as a three-level
   *       Parquet list, a group per element, and Parquet's record assembly then spent more time per
   *       id than encoding it (a third of the job's CPU); the legacy layout writes them as two-level
   *       lists ({@code repeated int32 array}), which Parquet's list compatibility rules tell every
   *       reader (Spark, parquet-mr, pyarrow, hyparquet) to read as the same {@code array<int>}.
   *   <li>The job runs a dozen small distinct queries over the cached threads; whole-stage code
   *       generation compiles and JIT-warms each one, which cost more than it saved: 15–18 % of a
   *       200 MB run, cold and warm ({@code bench/prepare-benchmark.sh --conf spark.sql.codegen.wholeStage=false}).
   * </ul>
   * These are session-wide SQL settings: another query running on the same session at the same
   * time (a notebook cell, a second job in one application) sees them too. Both only change how a
   * plan executes or how Parquet lays out lists, not what a query returns or how it reads back.
   */
  static final Map<String, String> JOB_SETTINGS = Map.of(
      "spark.sql.parquet.writeLegacyFormat", "true",
      "spark.sql.codegen.wholeStage", "false");

  /** Runs the job and returns the committed manifest. */
  public ObjectNode run() {
    Map<String, String> before = new LinkedHashMap<>();
    JOB_SETTINGS.forEach((key, value) -> {
      before.put(key, spark.conf().get(key, null));
      spark.conf().set(key, value);
    });
    try {
      return runWithJobSettings();
    } finally {
      before.forEach((key, value) -> {
        if (value == null) {
          spark.conf().unset(key);
        } else {
          spark.conf().set(key, value);
        }
      });
    }
  }

  private ObjectNode runWithJobSettings() {
    long start = System.nanoTime();
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    TokenizerSpec tokenizer =
        TokenizerLoader.load(settings.tokenizerKind(), settings.tokenizerPath(), settings.eosToken(), hadoop);
    boolean transcripts = settings.inputFormat().equals(PrepareSettings.HH_RLHF);
    // A transcript prefix already is the prompt text: no template around it.
    PrepareOptions options = transcripts ? settings.options(tokenizer, new PromptTemplate(PromptTemplate.PLACEHOLDER))
        : settings.promptFormat().equals(PrepareSettings.CHAT_TEMPLATE)
        ? settings.options(tokenizer, PromptTemplate.chat(TokenizerLoader.chatTemplate(settings.tokenizerPath(), hadoop),
            settings.addGenerationPrompt(), settings.systemPrompt()))
        : settings.options(tokenizer);
    OutputGuard.claim(OutputKind.PREPARED_DATASET, settings.output(),
        settings.inputPaths().stream().map(p -> new CommandInput("input (-i)", p)).toList(), false, false, hadoop);

    ObjectNode input = JSON.createObjectNode();
    input.put("format", settings.inputFormat());
    input.set("paths", JSON.valueToTree(settings.inputPaths()));
    long t = System.nanoTime();
    Dataset<Row> threads;
    Dataset<Row> bad;
    List<DumpFiles.DumpFile> files = List.of();
    if (settings.inputFormat().equals(PrepareSettings.STACKEXCHANGE)) {
      files = DumpFiles.find(settings.inputPaths(), hadoop);
      long bytes = files.stream().mapToLong(DumpFiles.DumpFile::bytes).sum();
      LOG.info("prepare: {} dump file(s), {} MB, sites {}", files.size(), bytes >> 20,
          files.stream().map(DumpFiles.DumpFile::site).toList());
      input.set("files", JSON.valueToTree(files));
      input.put("bytes", bytes);
      // Under adaptive execution this runs the read-parse-shuffle stage now, not lazily.
      threads = PrepareTables.threadsFromPosts(spark, StackExchangeDump.read(spark, files, settings.maxRowChars()), options);
      bad = PrepareTables.badRecords(threads);
    } else {
      PairedTable.Input paired = transcripts ? HhRlhfTable.read(spark, settings.inputPaths())
          : PairedTable.read(spark, settings.inputPaths());
      threads = PrepareTables.threadsFromPaired(spark, paired.rows(), options);
      bad = paired.bad();
    }
    timings.put("read_parse_shuffle", seconds(t));
    threads = threads.persist(StorageLevel.MEMORY_AND_DISK());

    GenerationCommitter committer = new GenerationCommitter(settings.output(), hadoop, settings.keepGenerations());
    GenerationCommitter.Generation generation = committer.begin();
    try {
      t = System.nanoTime();
      // The first action on the persisted threads: they are built here (sort, score, pair, tokenise).
      Map<String, Long> badReasons = checkInput(threads, bad, files);
      timings.put("score_pair_tokenize", seconds(t));
      Optional<String> tokenizerFiles = PreparedTokenizer.writeFiles(tokenizer, generation, hadoop);
      ObjectNode manifest = writeTables(generation, options, threads, bad, badReasons, input,
          PreparedTokenizer.manifestSection(tokenizer, tokenizerFiles));
      timings.put("total", seconds(start));
      manifest.set("timings_s", JSON.valueToTree(timings));
      committer.commit(generation, JSON.writeValueAsString(manifest));
      LOG.info("prepare: committed {} in {} s: {}", generation.path(), String.format("%.1f", seconds(start)),
          manifest.get("tables"));
      return manifest;
    } catch (IOException e) {
      committer.abort(generation);
      throw new UncheckedIOException(e);
    } catch (RuntimeException | Error e) {
      committer.abort(generation);
      throw e;
    } finally {
      threads.unpersist();
    }
  }

  /**
   * Garbage input fails here, before any table is written: a dump file with no posts, or more bad
   * rows than max-bad-fraction. Returns the bad records' counts by reason.
   */
  private Map<String, Long> checkInput(Dataset<Row> threads, Dataset<Row> bad, List<DumpFiles.DumpFile> files) {
    Map<String, PrepareTables.SourceCounts> bySite = PrepareTables.sourceCountsBySite(threads);
    long goodRows = bySite.values().stream().mapToLong(PrepareTables.SourceCounts::rows).sum();
    Map<String, Long> badReasons = new TreeMap<>();
    String worstFile = null;
    if (files.isEmpty()) { // a paired table: its bad records are not in the threads
      for (Row r : bad.groupBy(BadRecordsTable.REASON).count().collectAsList()) {
        badReasons.put(r.getString(0), r.getLong(1));
      }
    } else {
      PrepareChecks.requirePostsInEveryFile(files, bySite, settings.output());
      bySite.values().forEach(c -> c.badByReason().forEach((reason, n) -> badReasons.merge(reason, n, Long::sum)));
      worstFile = files.stream().max(Comparator.comparingLong(f -> bySite.get(f.site()).bad()))
          .map(DumpFiles.DumpFile::path).orElse(null);
    }
    PrepareChecks.requireBadShareAtMost(settings.maxBadFraction(), goodRows, badReasons, worstFile, settings.output());
    return badReasons;
  }

  private ObjectNode writeTables(
      GenerationCommitter.Generation generation, PrepareOptions options, Dataset<Row> threads, Dataset<Row> bad,
      Map<String, Long> badReasons, ObjectNode input, ObjectNode tokenizer) {
    long t = System.nanoTime();
    Map<String, PrepareTables.SplitCounts> counts = PrepareTables.countsBySplit(threads);
    timings.put("count_splits", seconds(t));
    Map<String, Long> drops = PrepareTables.dropCounts(threads);
    LOG.info("prepare: threads built in {} s; per split {}", String.format("%.1f", seconds(t)), counts);

    Map<String, Object> tables = new LinkedHashMap<>();
    String out = settings.output();
    for (String split : new String[] {TableSet.TRAIN, TableSet.EVAL}) {
      PrepareTables.SplitCounts c = counts.get(split);
      // An eval split is optional (eval-fraction 0); an empty one asked for is an error like an empty train table.
      boolean required = split.equals(TableSet.TRAIN) || options.evalFraction() > 0;
      String orNoEval = split.equals(TableSet.EVAL) ? " (or set prepare.split.eval-fraction = 0 for no eval split)" : "";
      String prompts = TableSet.path(RlPromptsTable.NAME, split);
      if (required) {
        PrepareChecks.requireRows(prompts, c.prompts(), "no question of the " + split + " split kept its prompt",
            "check the input and prepare.max-prompt-tokens" + orNoEval, drops, out);
      }
      write(PrepareTables.rlPrompts(threads, split), generation, prompts);
      tables.put(prompts, Map.of("rows", c.prompts()));

      String pairs = TableSet.path(PreferencePairsTable.NAME, split);
      if (required) {
        PrepareChecks.requireRows(pairs, c.pairs(), "no question of the " + split + " split has two answers with"
            + " different scores", "check the input and prepare.max-pair-tokens" + orNoEval, drops, out);
      }
      write(PrepareTables.preferencePairs(threads, split), generation, pairs);
      tables.put(pairs, Map.of("rows", c.pairs()));

      String packed = TableSet.path(SftPackedTable.NAME, split);
      write(PrepareTables.sftPacked(spark, threads, split, options, c.sftTokens()), generation, packed);
      long blocks = ParquetChecksums.reader(spark).parquet(generation.child(packed)).count();
      if (required) {
        PrepareChecks.requireRows(packed, blocks, "the " + split + " split's " + c.sftDocs() + " documents ("
            + c.sftTokens() + " tokens) fill no block of seq-len " + options.seqLen(),
            "lower prepare.seq-len or give more data" + orNoEval, drops, out);
      }
      long packedTokens = blocks * options.seqLen();
      tables.put(packed, Map.of("rows", blocks, "tokens", packedTokens, "documents", c.sftDocs(),
          "document_tokens", c.sftTokens(), "tail_tokens_dropped", c.sftTokens() - packedTokens));
    }
    write(bad, generation, BadRecordsTable.NAME);
    tables.put(BadRecordsTable.NAME, Map.of("rows", badReasons.values().stream().mapToLong(Long::longValue).sum()));
    return manifest(generation, options, input, tokenizer, tables, drops, badReasons);
  }

  private void write(Dataset<Row> table, GenerationCommitter.Generation generation, String name) {
    long t = System.nanoTime();
    ParquetChecksums.writer(table).mode(SaveMode.ErrorIfExists).parquet(generation.child(name));
    timings.put("write_" + name.replace('/', '_'), seconds(t));
    LOG.info("prepare: wrote {} in {} s", name, String.format("%.1f", seconds(t)));
    hooks.tableWritten(name);
  }

  private ObjectNode manifest(
      GenerationCommitter.Generation generation, PrepareOptions options, ObjectNode input, ObjectNode tokenizer,
      Map<String, Object> tables, Map<String, Long> drops, Map<String, Long> badReasons) {
    ObjectNode m = JSON.createObjectNode();
    m.put("format_version", 1);
    m.put(OutputKind.FIELD, OutputKind.PREPARED_DATASET.manifestValue());
    m.put("generation", generation.name());
    m.put("created_at", Instant.now().toString());
    m.set("code_version", JSON.valueToTree(CodeVersion.current()));
    m.set("input", input);
    m.set("tokenizer", tokenizer);
    m.put("seq_len", options.seqLen());
    m.put("seed", options.seed());
    m.put("prompt_format", options.template().format());
    m.put("prompt_template", options.template().template());
    ObjectNode p = m.putObject("parameters");
    p.put("max_prompt_tokens", options.maxPromptTokens());
    p.put("max_pair_tokens", options.maxPairTokens());
    p.put("max_pairs_per_question", options.maxPairsPerQuestion());
    p.put("sft_answers", options.sftSelection().mode().name().toLowerCase());
    p.put("sft_min_score", options.sftSelection().minScore());
    p.put("eval_fraction", options.evalFraction());
    p.put("split_salt", options.splitSalt());
    p.put("max_row_chars", options.maxRowChars());
    m.set("tables", JSON.valueToTree(tables));
    m.set("drops", JSON.valueToTree(drops));
    m.set("bad_records", JSON.valueToTree(badReasons));
    return m;
  }

  private static double seconds(long startNanos) {
    return Math.round((System.nanoTime() - startNanos) / 1e7) / 100.0;
  }
}
