package io.sparkrlhf.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkrlhf.jobs.sft.SftExample;
import io.sparkrlhf.jobs.sft.SftObjective;
import io.sparkrlhf.spark.SharedSpark;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The engine's contract: the same global batches give the same parameters whether one process
 * trains on one partition or Spark tasks train on 2 or 4 and the driver adds their gradients up.
 */
@ExtendWith(SharedSpark.class)
class DataParallelContractTest {
  static final class FailedTasks extends SparkListener {
    final AtomicInteger count = new AtomicInteger();

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
      if (!end.taskInfo().successful()) {
        count.incrementAndGet();
      }
    }
  }

  private static final double TOLERANCE = 1e-5;
  private final List<SftExample> data = EngineFixtures.blocks(30, 3);

  @ParameterizedTest(name = "lora={0}")
  @ValueSource(booleans = {false, true})
  void twoAndFourPartitionsOnSparkEqualOneInProcess(boolean lora) {
    SftObjective objective = EngineFixtures.objective(lora);
    TrainerOptions options = TrainerOptions.simple(5, 8, 3, 3e-3, 5);
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(SharedSpark.session().sparkContext());

    Trainer.Result single = EngineFixtures.inProcess(objective, data, null, options, null);
    Trainer.Result two = EngineFixtures.onSpark(sc, objective, data, 2, options, null, null);
    Trainer.Result four = EngineFixtures.onSpark(sc, objective, data, 4, options, null, null);

    float[] initial = EngineFixtures.inProcess(objective, data, null, options.withMaxSteps(1), null).values();
    assertTrue(EngineFixtures.relativeDifference(single.values(), initial) > 100 * TOLERANCE,
        "training must move the parameters well beyond the tolerance");
    assertEquals(5, single.step());
    assertEquals(0, two.skippedSteps());
    double d2 = EngineFixtures.relativeDifference(two.values(), single.values());
    double d4 = EngineFixtures.relativeDifference(four.values(), single.values());
    assertTrue(d2 <= TOLERANCE, "2 partitions differ from the single process by " + d2);
    assertTrue(d4 <= TOLERANCE, "4 partitions differ from the single process by " + d4);
    for (int s = 0; s < 5; s++) {
      assertEquals(single.metrics().get(s).path("loss").asDouble(), four.metrics().get(s).path("loss").asDouble(), 1e-5,
          "loss of step " + (s + 1));
    }
  }

  @Test
  void aTaskFailingOnceIsRetriedAndChangesNothing() throws Exception {
    SftObjective objective = EngineFixtures.objective(true);
    TrainerOptions options = TrainerOptions.simple(4, 8, 4, 3e-3, 9);
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(SharedSpark.session().sparkContext());

    Trainer.Result clean = EngineFixtures.onSpark(sc, objective, data, 2, options, null, null);
    FailedTasks failed = new FailedTasks();
    sc.sc().addSparkListener(failed);
    Trainer.Result retried;
    try {
      retried = EngineFixtures.onSpark(sc, objective, data, 2, options, new FailureInjection(2, 1), null);
    } finally {
      sc.sc().listenerBus().waitUntilEmpty();
      sc.sc().removeSparkListener(failed);
    }

    assertEquals(1, failed.count.get(), "exactly the injected task attempt failed");
    assertEquals(4, retried.step());
    double d = EngineFixtures.relativeDifference(retried.values(), clean.values());
    assertTrue(d <= TOLERANCE, "a retried task changed the result by " + d);
  }
}
