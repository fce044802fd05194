package io.sparkrlhf.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkrlhf.datasets.io.PreparedDataset;
import io.sparkrlhf.jobs.generate.Completion;
import io.sparkrlhf.jobs.generate.Prompt;
import io.sparkrlhf.jobs.generate.PromptFiles;
import io.sparkrlhf.jobs.generate.RlPromptRows;
import io.sparkrlhf.jobs.generate.TextGeneration;
import io.sparkrlhf.jobs.ppo.RlPrompt;
import io.sparkrlhf.jobs.prepare.TokenizerLoader;
import io.sparkrlhf.jobs.train.LocalCopies;
import io.sparkrlhf.jobs.train.ModelBuilder;
import io.sparkrlhf.jobs.train.ModelSpec;
import io.sparkrlhf.jobs.train.TokenizerCheck;
import io.sparkrlhf.model.config.ModelConfig;
import io.sparkrlhf.model.generate.SamplingConfig;
import io.sparkrlhf.model.hub.GenerationDefaults;
import io.sparkrlhf.model.ops.NoGrad;
import io.sparkrlhf.model.tokenizer.HfJsonTokenizer;
import io.sparkrlhf.model.tokenizer.TextTokenizer;
import io.sparkrlhf.model.tokenizer.TokenizerSpec;
import io.sparkrlhf.spark.CommandSession;
import io.sparkrlhf.spark.JvmHadoopConf;
import io.sparkrlhf.storage.AtomicFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * transformers' {@code model.generate} over a file of prompts: any model we or transformers wrote
 * (a model directory, a PEFT adapter on its base, a finished run) completes every prompt, and the
 * completions are written as JSON Lines. Runs on this machine with the PPO rollouts' KV-cache
 * generator; Spark only reads an {@code rl_prompts} table.
 */
@Command(name = "generate", mixinStandardHelpOptions = true, showDefaultValues = true,
    description = {"Complete prompts with a trained model (full model directory, LoRA adapter, or finished run) and"
        + " write JSON Lines: index, prompt, completion, prompt_tokens, completion_tokens, finish_reason.",
        "Prompts: a text file (one a line), a .jsonl/.json file (a \"prompt\" field a line), or a prepare output"
        + " folder (its rl_prompts table, as PPO sees it).",
        "Sampling defaults to the model's generation_config.json (transformers' defaults without one: greedy);"
        + " --temperature, --top-k or --top-p turn sampling on."})
public final class GenerateCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(GenerateCommand.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  @Mixin ConfigOptions config;

  @Option(names = {"-m", "--model"}, required = true, paramLabel = "PATH",
      description = "Model directory (config.json), adapter directory (adapter_config.json) or finished run; local, HDFS or s3a.")
  String model;

  @Option(names = {"-p", "--prompts"}, required = true, paramLabel = "PATH",
      description = "Text file, JSON Lines file, or prepare output folder (rl_prompts).")
  String prompts;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE",
      description = "JSON Lines file to write (local, HDFS or s3a), or - for standard output.")
  String output;

  @Option(names = "--overwrite", description = "Replace an existing output file.")
  boolean overwrite;

  @Option(names = "--split", defaultValue = "eval", paramLabel = "SPLIT",
      description = "rl_prompts split to read from a prepare output: train or eval.")
  String split;

  @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "Only the first N prompts (0: all).")
  int limit;

  @Option(names = "--max-new-tokens", paramLabel = "N",
      description = "Most tokens generated per prompt (default: generation_config.json's max_new_tokens, else 128).")
  Integer maxNewTokens;

  @Option(names = "--min-new-tokens", defaultValue = "0", paramLabel = "N", description = "EOS is not picked before this many tokens.")
  int minNewTokens;

  @Option(names = "--greedy", description = "Always the most likely token (do_sample=False).")
  boolean greedy;

  @Option(names = "--do-sample", description = "Sample (do_sample=True), with --temperature, --top-k and --top-p.")
  boolean doSample;

  @Option(names = "--temperature", paramLabel = "T", description = "Divides the logits before sampling (default: generation_config.json's, else 1.0).")
  Double temperature;

  @Option(names = "--top-k", paramLabel = "K", description = "Sample among the K most likely tokens; 0: all (default: generation_config.json's, else 50).")
  Integer topK;

  @Option(names = "--top-p", paramLabel = "P", description = "Sample among the fewest tokens whose probability reaches P (default: generation_config.json's, else 1.0).")
  Double topP;

  @Option(names = "--seed", defaultValue = "0", paramLabel = "SEED",
      description = "Sampling seed; prompt i samples with its own stream, so outputs do not depend on --batch-size.")
  long seed;

  @Option(names = "--batch-size", defaultValue = "8", paramLabel = "N", description = "Prompts generated together.")
  int batchSize;

  @Option(names = "--precision", defaultValue = "float32", paramLabel = "TYPE", description = "float32 or float16.")
  String precision;

  @Option(names = "--tokenizer", paramLabel = "PATH",
      description = "tokenizer.json (or its folder), or gpt2 for the built-in BPE (default: the model's tokenizer.json; "
          + "for rl_prompts, else the prepared data's).")
  String tokenizer;

  @Override
  public Integer call() throws IOException {
    if (greedy && doSample) {
      throw new IllegalArgumentException("--greedy and --do-sample contradict each other: give one");
    }
    Configuration hadoop = JvmHadoopConf.get();
    boolean toStdout = output.equals("-");
    Path out = toStdout ? null : new Path(output);
    if (!toStdout) {
      FileSystem fs = out.getFileSystem(hadoop);
      if (fs.exists(out) && (!overwrite || fs.getFileStatus(out).isDirectory())) {
        throw new IllegalArgumentException("generate: output " + output + " exists; give a new file"
            + (fs.getFileStatus(out).isDirectory() ? "" : " or --overwrite"));
      }
      if (out.makeQualified(fs.getUri(), fs.getWorkingDirectory()).equals(qualified(prompts, hadoop))) {
        throw new IllegalArgumentException("generate: the output " + output + " is the prompts file");
      }
    }
    ModelSpec spec = ModelSpec.at(model, hadoop, precision, null, 0);
    spec.dataType(); // an unknown precision is refused before anything loads
    ModelConfig modelConfig = spec.config();
    Path promptPath = new Path(prompts);
    FileSystem promptFs = promptPath.getFileSystem(hadoop);
    if (!promptFs.exists(promptPath)) {
      throw new IllegalArgumentException("prompts path does not exist: " + prompts);
    }
    boolean table = promptFs.getFileStatus(promptPath).isDirectory();
    PreparedDataset data = table ? PreparedDataset.open(prompts, hadoop) : null;
    if (data != null) {
      TokenizerCheck.requireSame(data, prompts, spec, hadoop);
    }
    TextTokenizer tok = tokenizer(spec, modelConfig, data, hadoop).load();
    GenerationDefaults defaults = GenerationDefaults.read(LocalCopies.of(spec.basePath()));
    SamplingConfig sampling = sampling(modelConfig, defaults, tok);
    List<Prompt> input = data != null ? tablePrompts(data, tok) : filePrompts(tok, hadoop);
    check(input, modelConfig, sampling.maxNewTokens());
    LOG.info("generate: {} prompts from {} with {} ({}), {}", input.size(), prompts, spec.describeBase()
        + (spec.mergeAdapterPath() == null ? "" : " + adapter " + spec.mergeAdapterPath()), tok.name(), describe(sampling));

    List<Completion> completions = new ArrayList<>();
    try (NDManager manager = NDManager.newBaseManager()) {
      ModelBuilder.Built built = ModelBuilder.build(spec, manager);
      if (!built.headTensors().isEmpty()) {
        throw new IllegalArgumentException("generate: " + model + " has head tensors " + built.headTensors().keySet()
            + " (a reward model or value head); give a causal language model");
      }
      NoGrad.run(() -> completions.addAll(TextGeneration.run(built.model(), tok, input, sampling, batchSize, manager)));
    }
    byte[] jsonl = jsonLines(completions);
    if (toStdout) {
      System.out.write(jsonl);
      System.out.flush();
    } else {
      AtomicFiles.replace(out.getFileSystem(hadoop), out, jsonl);
      long tokens = completions.stream().mapToLong(Completion::completionTokens).sum();
      System.err.println("generate: " + completions.size() + " completions (" + tokens + " new tokens) -> " + output);
    }
    return ExitCodes.OK;
  }

  /** --tokenizer; else the adapter's, then the base's tokenizer.json; else, for rl_prompts, the data's. */
  private TokenizerSpec tokenizer(ModelSpec spec, ModelConfig m, PreparedDataset data, Configuration hadoop)
      throws IOException {
    if (tokenizer != null) {
      return tokenizer.equals("gpt2") ? TokenizerSpec.gpt2() : TokenizerLoader.load("hf", tokenizer, eosToken(tokenizer, m,
          hadoop), hadoop);
    }
    for (String dir : new String[] {spec.mergeAdapterPath(), spec.basePath()}) {
      if (dir != null) {
        Path json = new Path(dir, "tokenizer.json");
        if (json.getFileSystem(hadoop).exists(json)) {
          return TokenizerLoader.load("hf", dir, eosToken(dir, m, hadoop), hadoop);
        }
      }
    }
    if (data != null && data.tokenizerFiles().isPresent()) {
      String files = data.tokenizerFiles().get();
      return TokenizerLoader.load("hf", files, eosToken(files, m, hadoop), hadoop);
    }
    if (data != null && data.manifest().path("tokenizer").path("name").asText("").startsWith("gpt2")) {
      return TokenizerSpec.gpt2();
    }
    throw new IllegalArgumentException("generate: the model at " + model + " has no tokenizer.json"
        + (spec.mergeAdapterPath() == null ? "" : " (nor has its base " + spec.basePath() + ")")
        + ": give --tokenizer (a tokenizer.json, its folder, or gpt2)");
  }

  /**
   * The text of the model's eos_token_id in the tokenizer at {@code location}: the model decides
   * where a completion ends, so a tokenizer without tokenizer_config.json still loads; "" (the
   * tokenizer's own files decide) when the config names none or the vocabulary lacks it.
   */
  private static String eosToken(String location, ModelConfig m, Configuration hadoop) throws IOException {
    if (m.eosTokenId() == null) {
      return "";
    }
    Path path = new Path(location);
    FileSystem fs = path.getFileSystem(hadoop);
    Path json = fs.exists(path) && fs.getFileStatus(path).isDirectory() ? new Path(path, "tokenizer.json") : path;
    if (!fs.exists(json)) {
      return ""; // the loader names what is missing
    }
    byte[] bytes;
    try (var in = fs.open(json)) {
      bytes = in.readAllBytes();
    }
    return HfJsonTokenizer.vocabulary(bytes, json.toString()).entrySet().stream()
        .filter(e -> e.getValue().equals(m.eosTokenId())).map(java.util.Map.Entry::getKey).findFirst().orElse("");
  }

  private SamplingConfig sampling(ModelConfig m, GenerationDefaults defaults, TextTokenizer tok) {
    int[] eos = m.eosTokenIdArray().length > 0 ? m.eosTokenIdArray()
        : defaults.eosTokenIds().length > 0 ? defaults.eosTokenIds() : new int[] {tok.eosTokenId()};
    int pad = m.padTokenId() != null ? m.padTokenId() : defaults.padTokenId() != null ? defaults.padTokenId() : eos[0];
    boolean samplingAsked = temperature != null || topK != null || topP != null;
    boolean sample = !greedy && (doSample || samplingAsked || defaults.doSample());
    int max = maxNewTokens != null ? maxNewTokens : defaults.maxNewTokens();
    return new SamplingConfig(max, minNewTokens, !sample, temperature != null ? temperature : defaults.temperature(),
        topK != null ? topK : defaults.topK(), topP != null ? topP : defaults.topP(), seed, eos[0], pad, true, eos);
  }

  private List<Prompt> filePrompts(TextTokenizer tok, Configuration hadoop) {
    List<PromptFiles.Text> texts = PromptFiles.read(prompts, hadoop);
    List<Prompt> out = new ArrayList<>();
    for (PromptFiles.Text t : texts.subList(0, limit > 0 ? Math.min(limit, texts.size()) : texts.size())) {
      int[] ids = tok.encode(t.text());
      if (tok.bosTokenId().isPresent()) { // as a transformers tokenizer adds it (add_special_tokens=True)
        int[] withBos = new int[ids.length + 1];
        withBos[0] = tok.bosTokenId().getAsInt();
        System.arraycopy(ids, 0, withBos, 1, ids.length);
        ids = withBos;
      }
      out.add(new Prompt(out.size(), t.source(), null, t.text(), ids));
    }
    return out;
  }

  private List<Prompt> tablePrompts(PreparedDataset data, TextTokenizer tok) {
    try (CommandSession session = CommandSession.open(config.load().getConfig("rlhf.spark"))) {
      List<Prompt> out = new ArrayList<>();
      for (RlPrompt p : RlPromptRows.read(session.spark(), data, prompts, split, limit)) {
        out.add(new Prompt(out.size(), prompts + " rl_prompts/" + split + " qid " + p.qid(), p.qid(), tok.decode(p.ids()),
            p.ids()));
      }
      return out;
    }
  }

  private static void check(List<Prompt> input, ModelConfig m, int maxNewTokens) {
    for (Prompt p : input) {
      if (p.ids().length + maxNewTokens > m.maxPositions()) {
        throw new IllegalArgumentException(p.source() + ": the prompt has " + p.ids().length + " tokens; with "
            + maxNewTokens + " new tokens that passes the model's max_position_embeddings " + m.maxPositions()
            + ": shorten it or lower --max-new-tokens");
      }
      for (int id : p.ids()) {
        if (id < 0 || id >= m.vocabSize()) {
          throw new IllegalArgumentException(p.source() + ": token id " + id + " is outside the model's vocabulary of "
              + m.vocabSize() + ": the tokenizer does not belong to this model (give --tokenizer)");
        }
      }
    }
  }

  private static String describe(SamplingConfig s) {
    return (s.greedy() ? "greedy" : "sampling (temperature " + s.temperature() + ", top-k " + s.topK() + ", top-p "
        + s.topP() + ", seed " + s.seed() + ")") + ", max " + s.maxNewTokens() + " new tokens";
  }

  static byte[] jsonLines(List<Completion> completions) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      for (Completion c : completions) {
        ObjectNode row = JSON.createObjectNode();
        row.put("index", c.prompt().index());
        if (c.prompt().qid() != null) {
          row.put("qid", c.prompt().qid());
        }
        row.put("prompt", c.prompt().text());
        row.put("completion", c.completion());
        row.put("prompt_tokens", c.prompt().ids().length);
        row.put("completion_tokens", c.completionTokens());
        row.put("finish_reason", c.finishReason());
        bytes.write(JSON.writeValueAsBytes(row));
        bytes.write('\n');
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static Path qualified(String path, Configuration conf) throws IOException {
    Path p = new Path(path);
    FileSystem fs = p.getFileSystem(conf);
    return p.makeQualified(fs.getUri(), fs.getWorkingDirectory());
  }
}
