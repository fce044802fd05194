package io.sparkrlhf.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkrlhf.model.checkpoint.DType;
import io.sparkrlhf.model.config.ModelConfig;
import io.sparkrlhf.model.hub.HfModelDirectory;
import io.sparkrlhf.model.tokenizer.TextTokenizer;
import io.sparkrlhf.model.tokenizer.TinyTokenizerJson;
import io.sparkrlhf.model.tokenizer.TokenizerSpec;
import io.sparkrlhf.model.transformer.DecoderLM;
import io.sparkrlhf.model.transformer.HfParameter;
import io.sparkrlhf.model.transformer.HfWeights;
import io.sparkrlhf.model.transformer.LoraConfig;
import io.sparkrlhf.model.transformer.PeftAdapter;
import io.sparkrlhf.model.transformer.TinyModels;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** rlhf generate: prompts in, JSON Lines out, the same tokens a plain decode loop picks. */
class GenerateCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int VOCAB = TinyTokenizerJson.vocab().size();
  private static final int EOS = TinyTokenizerJson.vocab().get(TinyTokenizerJson.EOS);
  private static final List<String> PROMPTS = List.of("hello world", "hi", "hello hello wow, said he");
  private static final int NEW_TOKENS = 7;

  @TempDir Path dir;
  private Path modelDir;
  private Path promptsFile;

  @BeforeEach
  void writeModelAndPrompts() throws Exception {
    modelDir = dir.resolve("model");
    ModelConfig config = new ModelConfig(ModelConfig.Family.LLAMA, "llama", VOCAB, 16, 2, 4, 2, 24, 64, 1e-6, 10000,
        false, false, null, EOS, null);
    try (NDManager m = NDManager.newBaseManager()) {
      DecoderLM model = TinyModels.create(config, m, DataType.FLOAT32, 5);
      HfModelDirectory.save(model, modelDir, DType.F32, Long.MAX_VALUE, null);
    }
    Files.write(modelDir.resolve("tokenizer.json"), TinyTokenizerJson.json());
    promptsFile = dir.resolve("prompts.txt");
    Files.writeString(promptsFile, String.join("\n", PROMPTS.get(0), "", PROMPTS.get(1), PROMPTS.get(2)) + "\n");
  }

  @Test
  void greedyEqualsAnArgmaxLoopOverTheWholeSequenceWithoutCache() throws Exception {
    Path out = dir.resolve("greedy.jsonl");
    assertEquals(0, RlhfCli.execute("generate", "-m", modelDir.toString(), "-p", promptsFile.toString(), "-o",
        out.toString(), "--greedy", "--max-new-tokens", String.valueOf(NEW_TOKENS), "--batch-size", "2"));
    List<JsonNode> rows = read(out);
    assertEquals(PROMPTS.size(), rows.size(), "one row per non-blank line");

    TextTokenizer tok = TokenizerSpec.huggingFaceJson(TinyTokenizerJson.json(), TinyTokenizerJson.EOS, modelDir.toString())
        .load();
    try (NDManager m = NDManager.newBaseManager()) {
      DecoderLM model = HfModelDirectory.load(modelDir, m, DataType.FLOAT32).model();
      for (int i = 0; i < PROMPTS.size(); i++) {
        int[] prompt = tok.encode(PROMPTS.get(i));
        int[] expected = argmaxLoop(model, m, prompt);
        JsonNode row = rows.get(i);
        assertEquals(i, row.get("index").asInt());
        assertEquals(PROMPTS.get(i), row.get("prompt").asText());
        assertEquals(prompt.length, row.get("prompt_tokens").asInt());
        assertEquals(expected.length, row.get("completion_tokens").asInt(), "prompt " + i);
        boolean stopped = expected.length > 0 && expected[expected.length - 1] == EOS;
        assertEquals(stopped ? "stop" : "length", row.get("finish_reason").asText());
        int[] text = stopped ? Arrays.copyOf(expected, expected.length - 1) : expected;
        assertEquals(tok.decode(text), row.get("completion").asText(), "prompt " + i);
      }
    }
  }

  @Test
  void aSeedReproducesItsSamplesWhateverTheBatchSizeAndAnotherSeedDiffers() throws Exception {
    String a = sample("7", "3");
    assertEquals(a, sample("7", "1"), "same seed, other batch size");
    assertNotEquals(a, sample("8", "3"), "another seed");
  }

  @Test
  void anAdapterGeneratesAsItsMergedModelDoes() throws Exception {
    Path adapter = dir.resolve("adapter");
    try (NDManager m = NDManager.newBaseManager()) {
      DecoderLM model = HfModelDirectory.load(modelDir, m, DataType.FLOAT32).model();
      LoraConfig lora = new LoraConfig(4, 8, 0, Set.of("q_proj", "v_proj"));
      model.enableLora(lora, m, DataType.FLOAT32, 1);
      Random rnd = new Random(3);
      for (HfParameter p : model.loraParameters()) {
        if (p.name().contains("lora_B")) { // PEFT starts B at zero: make the adapter change the model
          float[] v = new float[(int) p.parameter().getShape().size()];
          for (int i = 0; i < v.length; i++) {
            v[i] = 0.5f * (float) rnd.nextGaussian();
          }
          HfWeights.assign(p, v);
        }
      }
      Files.createDirectories(adapter);
      PeftAdapter.save(model, lora, adapter, modelDir.toString());
    }
    Path merged = dir.resolve("merged");
    assertEquals(0, RlhfCli.execute("merge-adapter", "-a", adapter.toString(), "-o", merged.toString()));
    String[] common = {"-p", promptsFile.toString(), "--greedy", "--max-new-tokens", String.valueOf(NEW_TOKENS)};
    Path fromAdapter = dir.resolve("adapter.jsonl");
    Path fromMerged = dir.resolve("merged.jsonl");
    Path fromBase = dir.resolve("base.jsonl");
    for (String[] run : List.of(new String[] {adapter.toString(), fromAdapter.toString()},
        new String[] {merged.toString(), fromMerged.toString()}, new String[] {modelDir.toString(), fromBase.toString()})) {
      List<String> args = new ArrayList<>(List.of("generate", "-m", run[0], "-o", run[1]));
      args.addAll(Arrays.asList(common));
      assertEquals(0, RlhfCli.execute(args.toArray(String[]::new)), run[0]);
    }
    assertEquals(Files.readString(fromMerged), Files.readString(fromAdapter));
    assertNotEquals(Files.readString(fromBase), Files.readString(fromAdapter), "the adapter changes the completions");
  }

  @Test
  void jsonLinesPromptsAreRead() throws Exception {
    Path jsonl = dir.resolve("prompts.jsonl");
    Files.writeString(jsonl, "{\"prompt\": \"hello world\", \"id\": 1}\n\n{\"prompt\": \"hi\"}\n");
    Path out = dir.resolve("out.jsonl");
    assertEquals(0, RlhfCli.execute("generate", "-m", modelDir.toString(), "-p", jsonl.toString(), "-o", out.toString(),
        "--greedy", "--max-new-tokens", "3"));
    Path fromText = dir.resolve("text.jsonl");
    Files.writeString(dir.resolve("two.txt"), "hello world\nhi\n");
    assertEquals(0, RlhfCli.execute("generate", "-m", modelDir.toString(), "-p", dir.resolve("two.txt").toString(), "-o",
        fromText.toString(), "--greedy", "--max-new-tokens", "3"));
    assertEquals(Files.readString(fromText), Files.readString(out));
  }

  @Test
  void badInputIsRefusedWithItsNameAndNothingIsWritten() throws Exception {
    Path out = dir.resolve("never.jsonl");
    StringWriter err = new StringWriter();
    assertEquals(ExitCodes.REFUSED, run(err, "-p", dir.resolve("missing.txt").toString(), "-o", out.toString()));
    assertTrue(err.toString().contains("missing.txt"), err.toString());

    Path empty = dir.resolve("empty.txt");
    Files.writeString(empty, "\n  \n");
    err = new StringWriter();
    assertEquals(ExitCodes.REFUSED, run(err, "-p", empty.toString(), "-o", out.toString()));
    assertTrue(err.toString().contains("empty.txt holds no prompts"), err.toString());

    Path noField = dir.resolve("bad.jsonl");
    Files.writeString(noField, "{\"prompt\": \"hi\"}\n{\"text\": \"hi\"}\n");
    err = new StringWriter();
    assertEquals(ExitCodes.REFUSED, run(err, "-p", noField.toString(), "-o", out.toString()));
    assertTrue(err.toString().contains("bad.jsonl:2") && err.toString().contains("\"prompt\""), err.toString());

    err = new StringWriter();
    assertEquals(ExitCodes.REFUSED, run(err, "-m", dir.resolve("nomodel").toString(), "-p", promptsFile.toString(), "-o",
        out.toString()));
    assertTrue(err.toString().contains("nomodel"), err.toString());

    err = new StringWriter();
    assertEquals(ExitCodes.REFUSED, run(err, "-p", promptsFile.toString(), "-o", out.toString(), "--max-new-tokens", "55"));
    assertTrue(err.toString().contains("prompts.txt:4") && err.toString().contains("max_position_embeddings"),
        err.toString());
    assertFalse(Files.exists(out));

    Files.writeString(out, "keep");
    assertEquals(ExitCodes.REFUSED, run(new StringWriter(), "-p", promptsFile.toString(), "-o", out.toString()));
    assertEquals("keep", Files.readString(out), "an existing output needs --overwrite");
  }

  private int run(StringWriter err, String... args) {
    List<String> all = new ArrayList<>(List.of("generate"));
    if (!Arrays.asList(args).contains("--max-new-tokens")) {
      all.addAll(List.of("--max-new-tokens", "2"));
    }
    if (!Arrays.asList(args).contains("-m")) {
      all.addAll(List.of("-m", modelDir.toString()));
    }
    all.addAll(Arrays.asList(args));
    return RlhfCli.execute(new PrintWriter(err, true), all.toArray(String[]::new));
  }

  private String sample(String seed, String batch) throws Exception {
    Path out = dir.resolve("sample-" + seed + "-" + batch + ".jsonl");
    assertEquals(0, RlhfCli.execute("generate", "-m", modelDir.toString(), "-p", promptsFile.toString(), "-o",
        out.toString(), "--temperature", "1.5", "--top-k", "0", "--seed", seed, "--batch-size", batch,
        "--max-new-tokens", String.valueOf(NEW_TOKENS)));
    return Files.readString(out);
  }

  /** Greedy decoding as a plain loop: the whole sequence through the model each step, no cache, no padding. */
  private static int[] argmaxLoop(DecoderLM model, NDManager m, int[] prompt) {
    List<Integer> seq = new ArrayList<>();
    for (int id : prompt) {
      seq.add(id);
    }
    List<Integer> generated = new ArrayList<>();
    for (int step = 0; step < NEW_TOKENS; step++) {
      int[][] ids = {seq.stream().mapToInt(Integer::intValue).toArray()};
      int[][] mask = {new int[ids[0].length]};
      Arrays.fill(mask[0], 1);
      float[] logits = model.forward(new ParameterStore(m, false), TinyModels.longs(m, ids), TinyModels.longs(m, mask),
          null, null, false).logits().toFloatArray();
      int last = (ids[0].length - 1) * VOCAB;
      int best = 0;
      for (int v = 1; v < VOCAB; v++) {
        if (logits[last + v] > logits[last + best]) {
          best = v;
        }
      }
      generated.add(best);
      seq.add(best);
      if (best == EOS) {
        break;
      }
    }
    return generated.stream().mapToInt(Integer::intValue).toArray();
  }

  private static List<JsonNode> read(Path jsonl) throws Exception {
    List<JsonNode> rows = new ArrayList<>();
    for (String line : Files.readAllLines(jsonl)) {
      rows.add(JSON.readTree(line));
    }
    return rows;
  }
}
