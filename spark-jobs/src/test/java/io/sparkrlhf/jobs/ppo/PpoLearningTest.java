package io.sparkrlhf.jobs.ppo;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkrlhf.spark.SharedSpark;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * PPO learns what a reward model wants, within the KL budget: the reward model here prefers
 * sequences that end in one planted token, and the policy (a random tiny llama) starts emitting it
 * at the chance rate. The trivial baseline is the starting policy itself on the same eval prompts
 * (same seeds and length limits): PPO must beat it by more than one standard deviation of its
 * scores, and must get there by ending responses with the planted token.
 */
@ExtendWith(SharedSpark.class)
class PpoLearningTest {
  private static final int PLANTED = 5;
  @TempDir static Path dir;

  @Test
  void ppoLearnsThePlantedPreferenceWithinTheKlTarget() throws Exception {
    Path reward = PpoFixtures.plantedRewardModel(dir.resolve("planted"), PLANTED);
    PpoSettings s = PpoFixtures.settings("ppo.batch-size=32", "ppo.mini-batch-size=8", "ppo.ppo-epochs=4",
        "ppo.micro-batch=8", "ppo.rollout-batch=8", "ppo.optimizer.lr=0.003", "ppo.optimizer.weight-decay=0.0",
        "ppo.optimizer.max-grad-norm=1.0", "ppo.score.scaling=true", "ppo.score.norm=true");
    PpoObjective objective = PpoFixtures.objective(PpoFixtures.policy(false), reward, s);
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(SharedSpark.session().sparkContext());
    PpoFixtures.Run run = PpoFixtures.run(sc, objective, s, PpoFixtures.prompts(1600, 21), PpoFixtures.prompts(24, 22), 2,
        50, null, null, false, -1);

    PpoProgram.Evaluation before = run.evaluations().get(0);
    PpoProgram.Evaluation after = run.evaluations().get(run.evaluations().size() - 1);
    double plantedBefore = endingIn(before);
    double plantedAfter = endingIn(after);
    String report = String.format(Locale.ROOT, "eval reward %.3f ± %.3f -> %.3f ± %.3f, KL %.3f, responses ending in the "
            + "planted token %.2f -> %.2f", before.meanScore(), before.scoreSd(), after.meanScore(), after.scoreSd(),
        after.meanKl(), plantedBefore, plantedAfter);
    System.out.println("PpoLearningTest: " + report);
    assertTrue(after.meanScore() - before.meanScore() > before.scoreSd(), report);
    assertTrue(after.meanKl() <= 6.0, report);
    assertTrue(plantedAfter > plantedBefore + 0.3, report);
  }

  private static double endingIn(PpoProgram.Evaluation e) {
    List<Rollout> rs = e.rollouts();
    long n = rs.stream().filter(r -> {
      int[] resp = r.response();
      int last = r.hitEos() && resp.length > 1 ? resp[resp.length - 2] : resp[resp.length - 1];
      return last == PLANTED;
    }).count();
    return (double) n / rs.size();
  }
}
