package io.sparkrlhf.jobs.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import io.sparkrlhf.conf.RlhfConfig;
import io.sparkrlhf.jobs.bestofn.BestOfNJob;
import io.sparkrlhf.jobs.train.TrainingFixtures;
import io.sparkrlhf.spark.SharedSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rejection-sampling fine-tuning (best-of-n --then-sft) of the shared SFT policy, then `eval` of the
 * result against the SFT policy: the numbers, samples.jsonl and a self-contained report.html.
 */
@ExtendWith(SharedSpark.class)
class EvalJobTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path out;

  private static Config conf(String... overrides) {
    List<String> all = new ArrayList<>(List.of(
        "best-of-n.policy=\"" + TrainingFixtures.sft().output() + "\"",
        "best-of-n.reward=\"" + TrainingFixtures.reward().output() + "\"",
        "best-of-n.prompts=\"" + TrainingFixtures.prepared() + "\"",
        "eval.baseline=\"" + TrainingFixtures.sft().output() + "\"",
        "eval.reward=\"" + TrainingFixtures.reward().output() + "\"",
        "eval.prompts=\"" + TrainingFixtures.prepared() + "\"",
        "best-of-n.generation.min-new-tokens=4", "best-of-n.generation.max-new-tokens=12",
        "eval.generation.min-new-tokens=4", "eval.generation.max-new-tokens=12", "eval.max-prompts=8",
        "eval.rollout-batch=4", "eval.partitions=2"));
    all.addAll(List.of(overrides));
    return RlhfConfig.load(List.of(), all);
  }

  @Test
  void aRejectionSampledPolicyAgainstSftInAReportAPersonCanOpen() throws Exception {
    Path bon = out.resolve("bon");
    BestOfNJob.Summary s = new BestOfNJob(SharedSpark.session(), conf("best-of-n.output=\"" + bon + "\"",
        "best-of-n.n=4", "best-of-n.max-prompts=16", "best-of-n.partitions=2", "best-of-n.then-sft=true",
        "sft.max-steps=4", "sft.global-batch=8", "sft.optimizer.lr=1e-3", "sft.optimizer.warmup-steps=0")).run();
    assertTrue(s.sft() != null && s.sft().finished());
    Path tuned = bon.resolve("sft");
    assertEquals("sft", JSON.readTree(tuned.resolve("_manifest.json").toFile()).path("kind").asText());

    Path ev = out.resolve("eval");
    EvalJob.Result r = new EvalJob(SharedSpark.session(), conf("eval.policy=\"" + tuned + "\"",
        "eval.output=\"" + ev + "\"")).run();
    System.out.println("EvalJobTest: best-of-4 " + BestOfNJob.describe(s) + "; eval " + EvalJob.describe(r));
    assertEquals(8, r.rows().size());
    assertTrue(r.winRate() >= 0 && r.winRate() <= 1);
    assertEquals(0, r.baseline().klMean(), 1e-3, "the baseline is its own KL reference");
    // A sampled estimate (Σ log p − log p_ref over the drawn tokens) may be negative on 8 prompts; non-zero it must be.
    assertTrue(Math.abs(r.policy().klMean()) > 1e-4, "4 SFT steps moved the policy: KL " + r.policy().klMean());
    assertTrue(r.policy().responseLength() >= 1 && r.policy().responseLength() <= 12);

    JsonNode report = JSON.readTree(ev.resolve("report.json").toFile());
    assertEquals(r.winRate(), report.path("win_rate").asDouble(), 1e-12);
    assertEquals(r.policy().rewardMean(), report.path("policy").path("reward_mean").asDouble(), 1e-12);
    List<String> samples = Files.readAllLines(ev.resolve("samples.jsonl"));
    assertEquals(8, samples.size());
    double wins = 0;
    double scoreSum = 0;
    for (String line : samples) { // the report's figures again, from the rows as written, in a plain loop
      JsonNode row = JSON.readTree(line);
      double mine = row.path("score").asDouble();
      double theirs = row.path("baseline_score").asDouble();
      wins += mine > theirs ? 1 : mine == theirs ? 0.5 : 0;
      scoreSum += mine;
    }
    assertEquals(wins / samples.size(), r.winRate(), 1e-9, "win rate, ties counting half");
    assertEquals(scoreSum / samples.size(), r.policy().rewardMean(), 1e-6, "the policy's mean score");
    JsonNode first = JSON.readTree(samples.get(0));
    assertTrue(first.path("prompt").asText().startsWith("Question:") && first.has("baseline_response"), first.toString());
    String html = Files.readString(ev.resolve("report.html"));
    assertEquals(2, html.split("src=\"data:image/png;base64,", -1).length - 1, "two embedded plots");
    assertFalse(html.contains("src=\"http") || html.contains("<script"), "self-contained");
    assertTrue(html.contains(EvalReport.esc(r.rows().get(0).response())));
    assertEquals("eval", JSON.readTree(ev.resolve("_manifest.json").toFile()).path("kind").asText());
  }
}
