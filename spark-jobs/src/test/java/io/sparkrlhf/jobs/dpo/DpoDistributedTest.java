package io.sparkrlhf.jobs.dpo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkrlhf.engine.DistributedData;
import io.sparkrlhf.engine.InProcessStepRunner;
import io.sparkrlhf.engine.Objective;
import io.sparkrlhf.engine.RunSettings;
import io.sparkrlhf.engine.SparkStepRunner;
import io.sparkrlhf.engine.Trainer;
import io.sparkrlhf.engine.TrainerOptions;
import io.sparkrlhf.model.optim.LrSchedule;
import io.sparkrlhf.spark.SharedSpark;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The engine's contract for DPO: the same global batches give the same parameters on one partition
 * in-process and on 2 or 4 Spark partitions (gradient clipping and weight decay on), and reference
 * log-probs precomputed in a Spark pass train the same as the reference computed on the fly.
 */
@ExtendWith(SharedSpark.class)
class DpoDistributedTest {
  private static final double TOLERANCE = 1e-5;
  private final List<DpoExample> data = DpoFixtures.pairs(24, 7);

  /** 4 steps of 8 pairs, micro-batches of 2; warmup + linear decay, weight decay 0.05, clipping at 0.5. */
  private static TrainerOptions options() {
    return new TrainerOptions(4, 8, 2, 3, 5e-3, LrSchedule.Kind.LINEAR, 1, 0.9, 0.999, 1e-8, 0.05, 0.5, 0, 0, 1, 1,
        false, -1, TrainerOptions.DEFAULT_MAX_SKIPPED_STEPS, RunSettings.NONE);
  }

  private static <E> Trainer.Result inProcess(Objective<E> objective, List<E> data) {
    String run = "dpo-test-" + UUID.randomUUID();
    TrainerOptions o = options();
    try (InProcessStepRunner<E> runner = new InProcessStepRunner<>(run, objective, data, null, o.globalBatch(),
        o.microBatch(), o.seed())) {
      return new Trainer("dpo-1", run, null, new Configuration(), objective, runner, o).run();
    }
  }

  private static <E> Trainer.Result onSpark(Objective<E> objective, JavaRDD<E> rows, int partitions) {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(SharedSpark.session().sparkContext());
    String run = "dpo-test-" + UUID.randomUUID();
    TrainerOptions o = options();
    DistributedData<E> train = DistributedData.of(rows, partitions, "test pairs");
    try (SparkStepRunner<E> runner = new SparkStepRunner<>(sc, run, objective, train, null, o.globalBatch(),
        o.microBatch(), o.seed(), null)) {
      return new Trainer("dpo-" + partitions, run, null, sc.hadoopConfiguration(), objective, runner, o).run();
    } finally {
      train.unpersist();
    }
  }

  private JavaRDD<DpoExample> rows() {
    return JavaSparkContext.fromSparkContext(SharedSpark.session().sparkContext()).parallelize(data, 3);
  }

  @Test
  void twoAndFourPartitionsEqualOneInProcessWithAFrozenCopyAndWithAdaptersOff() {
    for (boolean lora : new boolean[] {false, true}) {
      DpoObjective objective = DpoFixtures.objective(lora, lora ? DpoObjective.Reference.ADAPTERS_OFF
          : DpoObjective.Reference.FROZEN_COPY);
      Trainer.Result single = inProcess(objective, data);
      assertEquals(0, single.skippedSteps());
      assertTrue(relativeDifference(single.values(), start(objective)) > 100 * TOLERANCE,
          "training must move the parameters well beyond the tolerance (lora=" + lora + ")");
      for (int partitions : lora ? new int[] {2} : new int[] {2, 4}) {
        Trainer.Result spark = onSpark(objective, rows(), partitions);
        double d = relativeDifference(spark.values(), single.values());
        assertTrue(d <= TOLERANCE, partitions + " partitions differ from one by " + d + " (lora=" + lora + ")");
        for (int s = 0; s < 4; s++) {
          assertEquals(single.metrics().get(s).path("rewards/margins").asDouble(),
              spark.metrics().get(s).path("rewards/margins").asDouble(), 1e-5, "margins of step " + (s + 1));
        }
      }
    }
  }

  @Test
  void referenceLogpsPrecomputedOnSparkTrainAsTheOnTheFlyReference() {
    DpoObjective onTheFly = DpoFixtures.objective(false, DpoObjective.Reference.FROZEN_COPY);
    DpoObjective precomputed = DpoFixtures.objective(false, DpoObjective.Reference.PRECOMPUTED);
    JavaRDD<DpoExample> scored = ReferenceLogps.attach(rows(), new ReferenceObjective(DpoFixtures.policy(false), false, 0),
        4, "test pairs");
    try {
      List<DpoExample> carried = scored.collect();
      assertTrue(carried.stream().allMatch(e -> e.referenceLogps() != null && e.referenceLogps()[0] < 0));
      Trainer.Result fly = inProcess(onTheFly, data);
      Trainer.Result pre = onSpark(precomputed, scored, 2);
      double d = relativeDifference(pre.values(), fly.values());
      assertTrue(d <= TOLERANCE, "precomputed reference log-probs change the run by " + d);
      assertEquals(fly.metrics().get(3).path("logps/chosen").asDouble(), pre.metrics().get(3).path("logps/chosen")
          .asDouble(), 1e-4);
    } finally {
      scored.unpersist(false);
    }
  }

  private static float[] start(DpoObjective objective) {
    String run = "dpo-start-" + UUID.randomUUID();
    try (InProcessStepRunner<DpoExample> runner = new InProcessStepRunner<>(run, objective, DpoFixtures.pairs(2, 1),
        null, 2, 2, 1)) {
      return runner.initialize().values();
    }
  }

  static double relativeDifference(float[] a, float[] b) {
    double diff = 0;
    double norm = 0;
    for (int i = 0; i < a.length; i++) {
      diff += (a[i] - (double) b[i]) * (a[i] - (double) b[i]);
      norm += (double) b[i] * b[i];
    }
    System.out.printf("relative L2 difference %.3e%n", Math.sqrt(diff / norm));
    return Math.sqrt(diff / norm);
  }
}
