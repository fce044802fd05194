package io.sparkrlhf.jobs.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import io.sparkrlhf.conf.RlhfConfig;
import io.sparkrlhf.datasets.sample.SampleDumpGenerator;
import io.sparkrlhf.jobs.ppo.PpoJob;
import io.sparkrlhf.jobs.prepare.PrepareJob;
import io.sparkrlhf.jobs.prepare.PrepareSettings;
import io.sparkrlhf.jobs.reward.RewardJob;
import io.sparkrlhf.jobs.sft.SftJob;
import io.sparkrlhf.model.tokenizer.TinyTokenizerJson;
import io.sparkrlhf.model.tokenizer.TokenizerSpec;
import io.sparkrlhf.spark.LogCapture;
import io.sparkrlhf.spark.SharedSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data is trained on only by a model of its tokenizer: tables prepared with a 262-token tokenizer
 * are refused by a GPT-2 model (which would otherwise read them as GPT-2 ids), and a checkpoint
 * carries the tokenizer its data was prepared with.
 */
@ExtendWith(SharedSpark.class)
class TokenizerIdentityTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;
  static Path tokenizerDir;
  static String tiny;

  /** The sample prepared with {@link TinyTokenizerJson} (262 tokens: 256 bytes, 5 merges, EOS). */
  @BeforeAll
  static void prepareWithTheTinyTokenizer() throws Exception {
    SparkSession spark = SharedSpark.session();
    tokenizerDir = Files.createDirectories(dir.resolve("tiny-tokenizer"));
    Files.write(tokenizerDir.resolve("tokenizer.json"), TinyTokenizerJson.json());
    Files.writeString(tokenizerDir.resolve("tokenizer_config.json"), "{\"eos_token\": \"</s>\"}");
    String dump = dir.resolve("dump").toString();
    SampleDumpGenerator.write(dump, new SampleDumpGenerator.Options(List.of("cooking.stackexchange.com"), 30, 7L,
        SampleDumpGenerator.Compression.NONE, false), spark.sparkContext().hadoopConfiguration());
    Config conf = RlhfConfig.load(List.of(), List.of("prepare.seq-len=128", "prepare.split.eval-fraction=0.2",
        "prepare.tokenizer.kind=hf", "prepare.tokenizer.path=\"" + tokenizerDir + "\"", "prepare.max-prompt-tokens=5000",
        "prepare.max-pair-tokens=10000"));
    tiny = dir.resolve("tiny-prepared").toString();
    new PrepareJob(spark, PrepareSettings.from(conf.getConfig("rlhf.prepare")).withInput(List.of(dump)).withOutput(tiny),
        PrepareJob.Hooks.NONE).run();
  }

  @Test
  void dataOfAnotherTokenizerIsRefusedBySftRewardAndPpoNamingBoth() {
    Path gpt2 = TrainingFixtures.sft().output(); // a GPT-2 model (50257 tokens) trained on GPT-2 data
    String dataFingerprint = tinySpec().fingerprint().substring(0, 12);
    String modelFingerprint = TokenizerSpec.gpt2().fingerprint().substring(0, 12);

    IllegalArgumentException sft = assertThrows(IllegalArgumentException.class, () -> new SftJob(SharedSpark.session(),
        TrainingFixtures.conf("sft.data=\"" + tiny + "\"", "model.path=\"" + gpt2 + "\"",
            "sft.output=\"" + dir.resolve("sft-refused") + "\"", "sft.max-steps=1"), RunFlags.FRESH).run());
    IllegalArgumentException reward = assertThrows(IllegalArgumentException.class, () -> new RewardJob(
        SharedSpark.session(), TrainingFixtures.conf("reward.data=\"" + tiny + "\"", "reward.model=\"" + gpt2 + "\"",
            "reward.output=\"" + dir.resolve("reward-refused") + "\"", "reward.max-steps=1"), RunFlags.FRESH).run());
    IllegalArgumentException ppo = assertThrows(IllegalArgumentException.class, () -> new PpoJob(SharedSpark.session(),
        TrainingFixtures.conf("ppo.prompts=\"" + tiny + "\"", "ppo.policy=\"" + gpt2 + "\"", "ppo.reward=\"" + gpt2 + "\"",
            "ppo.output=\"" + dir.resolve("ppo-refused") + "\""), RunFlags.FRESH).run());
    for (IllegalArgumentException e : List.of(sft, reward, ppo)) {
      String m = e.getMessage();
      assertTrue(m.contains(tokenizerDir.resolve("tokenizer.json").toString()) && m.contains("262")
          && m.contains(dataFingerprint), "names the data's tokenizer: " + m);
      assertTrue(m.contains(gpt2.toString()) && m.contains("50257") && m.contains(modelFingerprint),
          "names the model's tokenizer: " + m);
    }
    for (String output : List.of("sft-refused", "reward-refused", "ppo-refused")) {
      assertFalse(Files.exists(dir.resolve(output)), output + " was written");
    }
  }

  /**
   * A model directory whose tokenizer.json is the data's tokenizer written differently (same ids) is
   * accepted, and the reward model's checkpoint carries the data's tokenizer files, not the model
   * directory's; SFT from a fresh model carries them too.
   */
  @Test
  void checkpointsCarryTheTokenizerTheDataWasPreparedWith() throws Exception {
    Path sftOut = dir.resolve("tiny-sft");
    new SftJob(SharedSpark.session(), conf("sft.data=\"" + tiny + "\"", "sft.output=\"" + sftOut + "\"",
        "sft.max-steps=1", "sft.eval-max-examples=4"), RunFlags.FRESH).run();
    Path sftCheckpoint = finalCheckpoint(sftOut);
    assertArrayEquals(TinyTokenizerJson.json(), Files.readAllBytes(sftCheckpoint.resolve("tokenizer.json")));

    Path model = dir.resolve("tiny-model");
    Files.createDirectories(model);
    try (Stream<Path> files = Files.list(sftCheckpoint)) {
      for (Path f : files.toList()) {
        Files.copy(f, model.resolve(f.getFileName()));
      }
    }
    byte[] reformatted = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(JSON.readTree(TinyTokenizerJson.json()));
    Files.write(model.resolve("tokenizer.json"), reformatted);

    Path rewardOut = dir.resolve("tiny-reward");
    new RewardJob(SharedSpark.session(), conf("reward.data=\"" + tiny + "\"",
        "reward.model=\"" + model + "\"", "reward.output=\"" + rewardOut + "\"", "reward.max-steps=1",
        "reward.eval-max-examples=4", "reward.max-length=256"), RunFlags.FRESH).run();
    Path rewardCheckpoint = finalCheckpoint(rewardOut);
    assertArrayEquals(TinyTokenizerJson.json(), Files.readAllBytes(rewardCheckpoint.resolve("tokenizer.json")),
        "the data's tokenizer.json, not the model directory's");
    assertEquals("{\"eos_token\": \"</s>\"}", Files.readString(rewardCheckpoint.resolve("tokenizer_config.json")));
  }

  /**
   * Tables prepared before fingerprints were recorded cannot be checked: they still train on a model
   * of another tokenizer, with a warning saying so, and the vocabulary-size check still holds.
   */
  @Test
  void dataWithoutAFingerprintTrainsWithAWarningAndTheVocabularyCheck() throws Exception {
    Path legacy = asPreparedBefore(Path.of(tiny), dir.resolve("legacy-prepared"));
    Path gpt2 = TrainingFixtures.sft().output();

    try (LogCapture log = new LogCapture()) {
      assertTrue(new SftJob(SharedSpark.session(), TrainingFixtures.conf("sft.data=\"" + legacy + "\"",
          "model.path=\"" + gpt2 + "\"", "sft.output=\"" + dir.resolve("legacy-sft") + "\"", "sft.max-steps=1",
          "sft.eval-max-examples=4"), RunFlags.FRESH).run().finished());
      assertTrue(log.text().lines().anyMatch(l -> l.startsWith("WARN " + TokenizerCheck.class.getName())
          && l.contains(legacy.toString()) && l.contains("cannot check")), log.text());
    }

    Path tinyModel = dir.resolve("legacy-tiny-model"); // a 262-token model, and GPT-2 tables prepared before
    new SftJob(SharedSpark.session(), conf("sft.data=\"" + tiny + "\"", "sft.output=\"" + tinyModel + "\"",
        "sft.max-steps=1", "sft.eval-max-examples=4"), RunFlags.FRESH).run();
    Path gpt2Legacy = asPreparedBefore(Path.of(TrainingFixtures.prepared()), dir.resolve("legacy-gpt2-prepared"));
    IllegalArgumentException tooWide = assertThrows(IllegalArgumentException.class, () -> new SftJob(
        SharedSpark.session(), conf("sft.data=\"" + gpt2Legacy + "\"", "model.path=\"" + tinyModel + "\"",
            "sft.output=\"" + dir.resolve("never") + "\""), RunFlags.FRESH).run());
    assertTrue(tooWide.getMessage().contains("50257") && tooWide.getMessage().contains("262"), tooWide.getMessage());
  }

  /** A job's configuration without the shared GPT-2 fixture. */
  private static Config conf(String... overrides) {
    return RlhfConfig.load(List.of(), List.of(overrides));
  }

  private static TokenizerSpec tinySpec() {
    return TokenizerSpec.huggingFaceJson(TinyTokenizerJson.json(), TinyTokenizerJson.EOS, "tiny");
  }

  private static Path finalCheckpoint(Path run) throws Exception {
    JsonNode m = JSON.readTree(run.resolve("_manifest.json").toFile());
    return run.resolve(m.path("final_checkpoint").asText());
  }

  /** A copy of prepared tables whose manifest looks as prepare wrote it before tokenizers were fingerprinted. */
  private static Path asPreparedBefore(Path prepared, Path copy) throws Exception {
    copyTree(prepared, copy);
    ObjectNode manifest = (ObjectNode) JSON.readTree(copy.resolve("_manifest.json").toFile());
    ((ObjectNode) manifest.get("tokenizer")).remove(List.of("fingerprint", "files", "bos_token_id"));
    Files.write(copy.resolve("_manifest.json"), JSON.writeValueAsBytes(manifest));
    Files.delete(copy.resolve("._manifest.json.crc")); // the local filesystem's checksum of the old text
    return copy;
  }

  private static void copyTree(Path from, Path to) throws Exception {
    try (Stream<Path> all = Files.walk(from)) {
      for (Path p : all.toList()) {
        Files.copy(p, to.resolve(from.relativize(p).toString()));
      }
    }
  }
}
