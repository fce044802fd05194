package io.sparkrlhf.jobs.ppo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkrlhf.engine.ClusterEvents;
import io.sparkrlhf.engine.FailureInjection;
import io.sparkrlhf.spark.ClusterSpark;
import io.sparkrlhf.spark.WatchingSerializer;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * PPO on two executor JVMs apart from the driver: an executor killed during an update (its cached
 * rollout partition goes with it and is generated again at the version it was made at) and a
 * driver stopped after an iteration and resumed end with the same bits as an uninterrupted run;
 * the s3a secret configured for the cluster is in nothing the driver serialises for the executors
 * (the reward model is read on each executor with the Hadoop configuration Spark built there).
 */
@ExtendWith(ClusterSpark.class)
class PpoClusterTest {
  @TempDir Path dir;

  @Test
  void executorKilledDuringAnUpdateThenStoppedAndResumedIsBitIdentical() throws Exception {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(ClusterSpark.session().sparkContext());
    Path reward = PpoFixtures.rewardModel(dir.resolve("reward"));
    PpoSettings s = PpoFixtures.settings("ppo.kl.horizon=100", "ppo.score.scaling=true", "ppo.score.norm=true");
    PpoObjective objective = PpoFixtures.objective(PpoFixtures.policy(true), reward, s);
    List<RlPrompt> prompts = PpoFixtures.prompts(24, 5);

    PpoFixtures.Run uninterrupted = PpoFixtures.run(sc, objective, s, prompts, null, 3, 3, null,
        dir.resolve("whole").toString(), false, -1);
    // 2 PPO epochs x 2 minibatches per iteration: update 5 is the second of iteration 1.
    FailureInjection kill = FailureInjection.killExecutor(5, 1, FailureInjection.STEP);
    String parts = dir.resolve("parts").toString();
    ClusterEvents events = ClusterEvents.listen(sc);
    PpoFixtures.Run first;
    List<WatchingSerializer.Sighting> shipped;
    WatchingSerializer.watch(List.of(ClusterSpark.S3A_SECRET));
    try {
      first = PpoFixtures.run(sc, objective, s, prompts, null, 3, 3, kill, parts, false, 2);
    } finally {
      shipped = WatchingSerializer.stopWatching();
      events.stop();
    }
    assertTrue(events.executorsRemoved() >= 1, "an executor JVM was lost: " + events);
    assertEquals(List.of(), shipped, "the s3a secret in a task, broadcast or result the driver serialised");
    assertFalse(first.result().finished());
    PpoFixtures.Run rest = PpoFixtures.run(sc, objective, s, prompts, null, 3, 3, null, parts, true, -1);

    assertTrue(rest.result().finished());
    assertEquals(uninterrupted.klCoef(), rest.klCoef(), 0.0, "KL coefficient");
    assertArrayEquals(uninterrupted.result().values(), rest.result().values(), "policy and value head");
    for (int i = 0; i < first.rollouts().size(); i++) {
      assertArrayEquals(uninterrupted.rollouts().get(i).response(), first.rollouts().get(i).response(), "rollout " + i);
    }
  }
}
