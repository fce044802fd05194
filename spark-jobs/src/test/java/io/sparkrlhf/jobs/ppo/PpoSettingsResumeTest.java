package io.sparkrlhf.jobs.ppo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkrlhf.engine.RunSettings;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a PPO checkpoint records, and which changes a --resume refuses or only names. */
class PpoSettingsResumeTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The run's record as it reads back from trainer_state.json. */
  private static JsonNode recorded(PpoSettings s) throws Exception {
    return JSON.readTree(JSON.writeValueAsString(s.runSettings().toJson()));
  }

  private static List<String> keys(List<RunSettings.Change> changes) {
    return changes.stream().map(c -> c.setting().key()).toList();
  }

  @Test
  void sameSettingsDifferInNothing() throws Exception {
    RunSettings.Changes none = PpoFixtures.settings().runSettings().compare(recorded(PpoFixtures.settings()));
    assertEquals(List.of(), none.refused());
    assertEquals(List.of(), none.allowed());
  }

  @Test
  void stateRestoredFromTheCheckpointIsRefusedAndTheRestNamed() throws Exception {
    JsonNode run = recorded(PpoFixtures.settings("ppo.lora.enabled=true", "ppo.lora.r=4"));

    RunSettings.Changes changes = PpoFixtures.settings("ppo.lora.enabled=true", "ppo.lora.r=8", "ppo.kl.target=3.0",
        "ppo.optimizer.lr=0.02", "ppo.cliprange=0.1", "ppo.lora.dropout=0.1").runSettings().compare(run);

    assertEquals(List.of("rlhf.ppo.kl.target", "rlhf.ppo.lora.r"), keys(changes.refused()).stream().sorted().toList());
    assertTrue(changes.refused().stream().allMatch(c -> !c.setting().refusedBecause().isBlank()), "each with a reason");
    assertEquals(List.of("rlhf.ppo.cliprange", "rlhf.ppo.lora.dropout", "rlhf.ppo.optimizer.lr"),
        keys(changes.allowed()).stream().sorted().toList());
    assertEquals("rlhf.ppo.optimizer.lr 0.01 -> 0.02", changes.allowed().stream()
        .filter(c -> c.setting().key().endsWith("optimizer.lr")).findFirst().orElseThrow().describe());
  }

  @Test
  void keysTheRecordLacksAreNotCompared() throws Exception {
    com.fasterxml.jackson.databind.node.ObjectNode older = (com.fasterxml.jackson.databind.node.ObjectNode)
        recorded(PpoFixtures.settings());
    older.remove("rlhf.ppo.kl.target"); // recorded before the key existed

    RunSettings.Changes changes = PpoFixtures.settings("ppo.kl.target=3.0").runSettings().compare(older);

    assertEquals(List.of(), changes.refused());
  }
}
