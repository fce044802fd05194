package io.sparkrlhf.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.sparkrlhf.conf.RlhfConfig;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineSettingsTest {
  @TempDir Path dir;

  @Test
  void aKeyInTheUsersFileBeatsTheStageSetting() throws Exception {
    Path file = dir.resolve("mine.conf");
    Files.writeString(file, "rlhf.reward.max-steps = 7\nrlhf.sft { max-steps = 3 }\n");
    List<String> stage = List.of("sample.questions-per-site = 3000", "sft.max-steps = 14", "reward.max-steps = 600",
        "reward.optimizer.lr = 3e-3");
    assertEquals(List.of("sample.questions-per-site = 3000", "reward.optimizer.lr = 3e-3"),
        PipelineCommand.stageSettings(stage, List.of(file.toFile())));
    assertEquals(stage, PipelineCommand.stageSettings(stage, List.<File>of()));
  }

  @Test
  void aSampleFromAnotherGeneratorVersionOrOtherOptionsIsNotCurrent() throws Exception {
    Configuration hadoop = new Configuration();
    Config sample = RlhfConfig.load(List.of(), List.of("sample.questions-per-site=12", "sample.safety-prompts=0"))
        .getConfig("rlhf.sample");
    String out = dir.resolve("dump").toString();
    assertFalse(GenerateSampleCommand.holdsCurrentSample(out, sample, hadoop), "nothing there yet");
    GenerateSampleCommand.generate(sample, out, null, hadoop);
    assertTrue(GenerateSampleCommand.holdsCurrentSample(out, sample, hadoop));
    Config more = RlhfConfig.load(List.of(), List.of("sample.questions-per-site=13")).getConfig("rlhf.sample");
    assertFalse(GenerateSampleCommand.holdsCurrentSample(out, more, hadoop), "other options");
    Path manifest = dir.resolve("dump/_manifest.json");
    String older = Files.readString(manifest).replaceAll("\"generator_version\" : \\d+,?", "");
    assertTrue(older.contains("\"questionsPerSite\" : 12") && !older.contains("generator_version"), older);
    Files.writeString(manifest, older);
    Files.deleteIfExists(dir.resolve("dump/._manifest.json.crc")); // edited behind Hadoop's checksum
    assertFalse(GenerateSampleCommand.holdsCurrentSample(out, sample, hadoop), "written before generator versions");
    GenerateSampleCommand.generate(sample, out, null, hadoop); // what the pipeline then does: write it again
    assertTrue(GenerateSampleCommand.holdsCurrentSample(out, sample, hadoop));
  }
}
