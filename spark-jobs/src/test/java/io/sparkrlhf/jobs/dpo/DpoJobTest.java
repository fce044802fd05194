package io.sparkrlhf.jobs.dpo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkrlhf.jobs.train.RunFlags;
import io.sparkrlhf.jobs.train.TrainingFixtures;
import io.sparkrlhf.spark.LogCapture;
import io.sparkrlhf.spark.SharedSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** `rlhf dpo` on the sample from the SFT policy, as the pipeline runs it, with the tiny default model. */
@ExtendWith(SharedSpark.class)
class DpoJobTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path out;

  private static com.typesafe.config.Config conf(String... overrides) {
    List<String> all = new java.util.ArrayList<>(List.of("dpo.data=\"" + TrainingFixtures.prepared() + "\"",
        "dpo.policy=\"" + TrainingFixtures.sft().output() + "\""));
    all.addAll(List.of(overrides));
    return TrainingFixtures.conf(all.toArray(new String[0]));
  }

  @Test
  void dpoFromTheSftPolicyLearnsTheHeldOutPreferencesBeyondTheLengthBaseline() throws Exception {
    Path output = out.resolve("dpo");
    DpoJob.Summary summary = new DpoJob(SharedSpark.session(), conf("dpo.output=\"" + output + "\"",
        "dpo.max-steps=" + System.getProperty("dpo.steps", "120"), "dpo.optimizer.lr=" + System.getProperty("dpo.lr", "3e-3"),
        "dpo.beta=" + System.getProperty("dpo.beta", "0.1"), "dpo.global-batch=8", "dpo.micro-batch=4",
        // The LM head over GPT-2's 50257 tokens dominates: the first 32 response tokens keep the test short.
        "dpo.max-length=" + System.getProperty("dpo.max-length", "64"), "dpo.max-prompt-length=32",
        "dpo.eval-max-examples=100"), RunFlags.FRESH).run();
    System.out.println("DPO on the sample: " + DpoJob.describe(summary));

    assertTrue(summary.result().finished());
    JsonNode eval = JSON.readTree(output.resolve("eval.json").toFile());
    double accuracy = eval.path("accuracy").asDouble();
    double baseline = eval.path("length_baseline_accuracy").asDouble();
    assertTrue(eval.path("pairs").asInt() >= 100, eval.toString());
    assertEquals(summary.lengthBaseline(), baseline, 1e-12);
    // the sample prefers the answer about the question's topic (length and words balanced): the policy
    // must learn to read the question; 120 steps of 8 pairs measured 0.76 against the length rule's 0.49
    assertTrue(accuracy >= 0.7, "held-out implicit-reward accuracy " + accuracy);
    assertTrue(accuracy >= baseline + 0.15, "accuracy " + accuracy + " vs the length-only baseline " + baseline);
    assertTrue(eval.path("rewards/margins").asDouble() > 0, eval.toString());
    JsonNode manifest = JSON.readTree(output.resolve("_manifest.json").toFile());
    assertEquals("dpo", manifest.path("kind").asText());
    assertEquals("frozen_copy", manifest.path("reference").asText());
    List<String> lines = Files.readAllLines(output.resolve("metrics.jsonl"));
    JsonNode train = JSON.readTree(lines.stream().filter(l -> l.contains("\"split\":\"train\"")).findFirst().orElseThrow());
    for (String name : new String[] {"loss", "lr", "rewards/chosen", "rewards/rejected", "rewards/accuracies",
        "rewards/margins", "logps/chosen", "logps/rejected"}) {
      assertTrue(train.has(name), name + " in " + train);
    }
    assertTrue(lines.stream().anyMatch(l -> l.contains("eval_rewards/accuracies")));
    assertTrue(Files.size(output.resolve("plots/dpo_margins.png")) > 1000);
    assertTrue(Files.exists(output.resolve(manifest.path("final_checkpoint").asText()).resolve("model.safetensors")));
  }

  @Test
  void aResumeWithAnotherBetaIsNamedInAWarning() throws Exception {
    Path output = out.resolve("dpo-resume");
    String[] common = {"dpo.output=\"" + output + "\"", "dpo.max-steps=2", "dpo.global-batch=2", "dpo.micro-batch=2",
        "dpo.max-length=24", "dpo.max-prompt-length=16", "dpo.eval-max-examples=2", "dpo.checkpoint-every=1"};
    DpoJob.Summary first = new DpoJob(SharedSpark.session(), conf(common), new RunFlags(false, false, 1, null)).run();
    assertFalse(first.result().finished());
    String[] changed = java.util.Arrays.copyOf(common, common.length + 2);
    changed[common.length] = "dpo.beta=0.3";
    changed[common.length + 1] = "dpo.loss-type=ipo";
    try (LogCapture log = new LogCapture()) {
      DpoJob.Summary resumed = new DpoJob(SharedSpark.session(), conf(changed), new RunFlags(true, false, -1, null)).run();
      assertTrue(resumed.result().finished());
      assertTrue(log.text().lines().anyMatch(l -> l.startsWith("WARN") && l.contains("rlhf.dpo.beta 0.1 -> 0.3")
          && l.contains("rlhf.dpo.loss-type sigmoid -> ipo")), log.text());
    }
  }

  @Test
  void aMissingPairsTableOrAnotherTokenizerFailsBeforeWritingAnything() throws Exception {
    Path prepared = Path.of(TrainingFixtures.prepared());
    JsonNode m = JSON.readTree(prepared.resolve("_manifest.json").toFile());
    // A prepared root whose generation has no preference_pairs: a copy of the manifest over an empty generation.
    Path noPairs = out.resolve("no-pairs");
    Files.createDirectories(noPairs.resolve(m.path("generation").asText()));
    Files.copy(prepared.resolve("_manifest.json"), noPairs.resolve("_manifest.json"));
    Path never = out.resolve("never");
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> new DpoJob(
        SharedSpark.session(), conf("dpo.data=\"" + noPairs + "\"", "dpo.output=\"" + never + "\""), RunFlags.FRESH).run());
    assertTrue(missing.getMessage().contains("has no preference_pairs table"), missing.getMessage());

    // The same tables, their tokenizer recorded as another one.
    Path other = out.resolve("other-tokenizer");
    Files.createDirectories(other);
    ((com.fasterxml.jackson.databind.node.ObjectNode) m.path("tokenizer")).put("fingerprint", "0".repeat(64));
    Files.createSymbolicLink(other.resolve(m.path("generation").asText()), prepared.resolve(m.path("generation").asText()));
    JSON.writeValue(other.resolve("_manifest.json").toFile(), m);
    IllegalArgumentException mismatch = assertThrows(IllegalArgumentException.class, () -> new DpoJob(
        SharedSpark.session(), conf("dpo.data=\"" + other + "\"", "dpo.output=\"" + never + "\""), RunFlags.FRESH).run());
    assertTrue(mismatch.getMessage().contains("was tokenised with") && mismatch.getMessage().contains("speaks"),
        mismatch.getMessage());
    assertFalse(Files.exists(never), "nothing written");

    IllegalArgumentException key = assertThrows(IllegalArgumentException.class, () -> conf("dpo.betta=0.2"));
    assertTrue(key.getMessage().contains("rlhf.dpo.betta") && key.getMessage().contains("rlhf.dpo.beta"), key.getMessage());
    IllegalArgumentException value = assertThrows(IllegalArgumentException.class, () -> DpoSettings.from(
        conf("dpo.loss-type=ipo", "dpo.label-smoothing=0.1")));
    assertTrue(value.getMessage().contains("label-smoothing"), value.getMessage());
  }
}
