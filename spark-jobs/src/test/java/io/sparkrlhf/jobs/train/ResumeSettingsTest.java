package io.sparkrlhf.jobs.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkrlhf.engine.CheckpointStore;
import io.sparkrlhf.engine.Trainer;
import io.sparkrlhf.jobs.sft.SftJob;
import io.sparkrlhf.spark.LogCapture;
import io.sparkrlhf.spark.SharedSpark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A --resume with settings other than the run's: refused when they change what is trained, else named in a warning. */
@ExtendWith(SharedSpark.class)
class ResumeSettingsTest {
  @TempDir Path tmp;

  private Trainer.Result sft(String output, RunFlags flags, String... overrides) {
    List<String> all = new ArrayList<>(List.of("sft.output=\"" + output + "\"", "sft.max-steps=4", "sft.global-batch=2",
        "sft.micro-batch=2", "sft.eval-max-examples=2", "sft.checkpoint-every=2", "sft.lora.enabled=true",
        "sft.lora.r=2", "sft.lora.alpha=4", "sft.optimizer.lr=0.003"));
    all.addAll(List.of(overrides));
    return new SftJob(SharedSpark.session(), TrainingFixtures.conf(all.toArray(String[]::new)), flags).run();
  }

  private static List<Long> committed(String output) {
    return new CheckpointStore(output, new Configuration(), 2).committed().stream()
        .map(CheckpointStore.Committed::step).toList();
  }

  @Test
  void settingsThatChangeWhatIsTrainedAreRefusedAndOthersNamedInAWarning() {
    String output = tmp.resolve("sft").toString();
    RunFlags resume = new RunFlags(true, false, -1, null);
    assertFalse(sft(output, new RunFlags(false, false, 2, null)).finished());

    IllegalArgumentException alpha = assertThrows(IllegalArgumentException.class,
        () -> sft(output, resume, "sft.lora.alpha=8"));
    assertTrue(alpha.getMessage().contains("rlhf.sft.lora.alpha") && alpha.getMessage().contains("4.0 -> 8.0"),
        alpha.getMessage());
    IllegalArgumentException rank = assertThrows(IllegalArgumentException.class,
        () -> sft(output, resume, "sft.lora.r=4"));
    assertTrue(rank.getMessage().contains("rlhf.sft.lora.r") && rank.getMessage().contains("2 -> 4"),
        rank.getMessage());
    assertEquals(List.of(2L), committed(output), "the refused resumes committed nothing");

    try (LogCapture log = new LogCapture()) {
      Trainer.Result resumed = sft(output, resume, "sft.optimizer.lr=0.001");
      assertTrue(resumed.finished());
      assertTrue(log.text().lines().anyMatch(l -> l.startsWith("WARN") && l.contains("rlhf.sft.optimizer.lr")
          && l.contains("0.003 -> 0.001")), log.text());
    }
  }
}
