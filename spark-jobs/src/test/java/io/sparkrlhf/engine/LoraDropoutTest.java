package io.sparkrlhf.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkrlhf.jobs.sft.SftExample;
import io.sparkrlhf.jobs.sft.SftObjective;
import io.sparkrlhf.model.optim.LrSchedule;
import io.sparkrlhf.spark.SharedSpark;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoRA dropout masks are a function of the run's seed and the micro-batch's place in it, not of
 * libtorch's global generator: a run with dropout repeats bit for bit, and so does its resume.
 */
@ExtendWith(SharedSpark.class)
class LoraDropoutTest {
  @TempDir Path tmp;
  private final List<SftExample> data = EngineFixtures.blocks(20, 5);

  /** 7 steps of 6 blocks (3 per epoch), warmup and cosine decay, weight decay and clipping on. */
  private static TrainerOptions options(long checkpointEvery, boolean resume, long stopAfter) {
    return new TrainerOptions(7, 6, 3, 21, 5e-2, LrSchedule.Kind.COSINE, 2, 0.9, 0.99, 1e-8, 0.01, 1.0, 0,
        checkpointEvery, 2, 1, resume, stopAfter, TrainerOptions.DEFAULT_MAX_SKIPPED_STEPS, null);
  }

  @Test
  void aLoraRunWithDropoutRepeatsBitForBitAndResumesBitIdentically() {
    SftObjective dropout = EngineFixtures.loraObjective(0.3);
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(SharedSpark.session().sparkContext());
    String output = tmp.resolve("run").toString();

    Trainer.Result once = EngineFixtures.onSpark(sc, dropout, data, 2, options(0, false, -1), null, null);
    Trainer.Result again = EngineFixtures.onSpark(sc, dropout, data, 2, options(0, false, -1), null, null);
    Trainer.Result noDropout = EngineFixtures.onSpark(sc, EngineFixtures.loraObjective(0.0), data, 2,
        options(0, false, -1), null, null);
    Trainer.Result stopped = EngineFixtures.onSpark(sc, dropout, data, 2, options(2, false, 4), null, output);
    Trainer.Result resumed = EngineFixtures.onSpark(sc, dropout, data, 2, options(2, true, -1), null, output);

    assertArrayEquals(once.values(), again.values(), "two identical runs with dropout");
    assertFalse(stopped.finished(), "stopped mid-epoch (step 4 of 7, 3 steps per epoch)");
    assertTrue(resumed.finished());
    assertArrayEquals(once.values(), resumed.values(), "stopped after step 4 and resumed = uninterrupted");
    assertTrue(EngineFixtures.relativeDifference(once.values(), noDropout.values()) > 1e-3,
        "dropout is on: the masks change the result");
  }
}
