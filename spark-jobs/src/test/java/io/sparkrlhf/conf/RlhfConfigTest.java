package io.sparkrlhf.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.sparkrlhf.jobs.prepare.PrepareSettings;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import io.sparkrlhf.jobs.train.RunFlags;
import io.sparkrlhf.jobs.train.TrainingSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RlhfConfigTest {
  @TempDir Path dir;

  @Test
  void defaultsFilesAndOverridesLayerInOrder() throws Exception {
    Path a = Files.writeString(dir.resolve("a.conf"), "rlhf.prepare { seq-len = 256, seed = 7 }\n");
    Path b = Files.writeString(dir.resolve("b.conf"), "rlhf.prepare.seq-len = 128\n");
    Config c = RlhfConfig.load(List.of(a.toFile(), b.toFile()), List.of("prepare.seed=9", "rlhf.prepare.output=/x/y"));
    assertEquals(128, c.getInt("rlhf.prepare.seq-len"));
    assertEquals(9, c.getInt("rlhf.prepare.seed"));
    assertEquals("/x/y", c.getString("rlhf.prepare.output"));
    assertEquals(10, c.getInt("rlhf.prepare.max-pairs-per-question"), "untouched keys keep their default");
  }

  @Test
  void unknownKeyInAFileNamesTheKeyTheFileAndTheLikelyMeaning() throws Exception {
    Path f = Files.writeString(dir.resolve("typo.conf"), "rlhf {\n  prepare {\n    seqlen = 512\n  }\n}\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RlhfConfig.load(List.of(f.toFile()), List.of()));
    assertTrue(e.getMessage().contains("'rlhf.prepare.seqlen'"), e.getMessage());
    assertTrue(e.getMessage().contains("typo.conf: 3"), e.getMessage());
    assertTrue(e.getMessage().contains("did you mean 'rlhf.prepare.seq-len'"), e.getMessage());
  }

  @Test
  void unknownOverrideAndUnknownTopLevelKeysAreErrors() throws Exception {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> RlhfConfig.load(List.of(), List.of("prepare.max-pairs=3")));
    assertTrue(e.getMessage().contains("rlhf.prepare.max-pairs") && e.getMessage().contains("command-line"), e.getMessage());
    Path f = Files.writeString(dir.resolve("top.conf"), "spark.master = \"yarn\"\n");
    assertThrows(IllegalArgumentException.class, () -> RlhfConfig.load(List.of(f.toFile()), List.of()));
  }

  @Test
  void anUnknownKeyNeverEchoesASecretValueAndSaysWhereSparkSettingsGo() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RlhfConfig.load(List.of(),
        List.of("spark.hadoop.fs.s3a.secret.key=AbC/123+xyz", "spark.hadoop.fs.s3a.session.token=\"tok en 42\"")));
    assertTrue(e.getMessage().contains("unknown configuration key 'rlhf.spark.hadoop.fs.s3a.secret.key' "
        + "(command-line override 'spark.hadoop.fs.s3a.secret.key=<redacted>')"), e.getMessage());
    assertTrue(e.getMessage().contains("--set 'spark.conf.\"spark.hadoop.fs.s3a.secret.key\"=...'"), e.getMessage());
    assertTrue(e.getMessage().contains("'rlhf.spark.hadoop.fs.s3a.session.token'"), e.getMessage());
    assertTrue(!e.getMessage().contains("AbC/123+xyz") && !e.getMessage().contains("tok en"), e.getMessage());
    IllegalArgumentException noEquals = assertThrows(IllegalArgumentException.class,
        () -> RlhfConfig.load(List.of(), List.of("spark.conf.\"spark.hadoop.fs.s3a.secret.key\" AbC/123+xyz")));
    assertTrue(!noEquals.getMessage().contains("AbC/123+xyz"), noEquals.getMessage());
  }

  @Test
  void credentialsInsideAUriAreRefusedShownRedacted() throws Exception {
    IllegalArgumentException override = assertThrows(IllegalArgumentException.class,
        () -> RlhfConfig.load(List.of(), List.of("sft.output=\"s3a://AKIAKEY:SeCrEt@bucket/sft\"")));
    assertTrue(override.getMessage().startsWith("rlhf.sft.output (command-line override "
        + "'sft.output=\"s3a://<redacted>@bucket/sft\"'"), override.getMessage());
    assertTrue(override.getMessage().contains("): credentials inside a URI are refused (s3a://<redacted>@bucket/sft)"),
        override.getMessage());
    Path f = Files.writeString(dir.resolve("s3.conf"),
        "rlhf.prepare.input.paths = [\"/local\", \"s3a://AKIAKEY:SeCrEt@b/x\"]\n"
        + "rlhf.spark.conf { \"spark.hadoop.fs.defaultFS\" = \"s3a://b\" }\n");
    IllegalArgumentException file = assertThrows(IllegalArgumentException.class,
        () -> RlhfConfig.load(List.of(f.toFile()), List.of()));
    assertTrue(file.getMessage().contains("rlhf.prepare.input.paths") && file.getMessage().contains("s3.conf: 1")
        && file.getMessage().contains("s3a://<redacted>@b/x"), file.getMessage());
    for (IllegalArgumentException e : List.of(override, file)) {
      assertTrue(!e.getMessage().contains("AKIAKEY") && !e.getMessage().contains("SeCrEt"), e.getMessage());
    }
    assertEquals("s3a://bucket/runs/llama@v2",
        RlhfConfig.load(List.of(), List.of("sft.output=\"s3a://bucket/runs/llama@v2\"")).getString("rlhf.sft.output"));
  }

  @Test
  void sparkConfIsFreeForm() throws Exception {
    Path f = Files.writeString(dir.resolve("spark.conf"),
        "rlhf.spark.conf { \"spark.sql.shuffle.partitions\" = 64, \"spark.hadoop.fs.s3a.endpoint\" = \"http://x\" }\n");
    Config c = RlhfConfig.load(List.of(f.toFile()), List.of());
    assertEquals(64, c.getConfig("rlhf.spark.conf").getInt("\"spark.sql.shuffle.partitions\""));
  }

  @Test
  void missingFileAndWrongTypesAreClearErrors() {
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
        () -> RlhfConfig.load(List.of(new File(dir.toFile(), "nope.conf")), List.of()));
    assertTrue(missing.getMessage().contains("nope.conf"), missing.getMessage());
    Config c = RlhfConfig.load(List.of(), List.of("prepare.seq-len=lots"));
    IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
        () -> PrepareSettings.from(c.getConfig("rlhf.prepare")));
    assertTrue(type.getMessage().contains("seq-len"), type.getMessage());
    Config badEnum = RlhfConfig.load(List.of(), List.of("prepare.input.format=xml"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PrepareSettings.from(badEnum.getConfig("rlhf.prepare")));
    assertTrue(e.getMessage().contains("input.format") && e.getMessage().contains("xml"), e.getMessage());
  }

  @Test
  void shippedConfFilesOnlyUseKnownKeys() {
    File confDir = new File("../conf");
    File[] files = confDir.listFiles((d, n) -> n.endsWith(".conf"));
    assertTrue(files != null && files.length >= 3, "conf/*.conf present");
    for (File f : files) {
      RlhfConfig.load(List.of(f), List.of()); // throws on an unknown key
    }
    File[] presets = new File(confDir, "models").listFiles((d, n) -> n.endsWith(".conf"));
    assertTrue(presets != null && presets.length >= 1, "conf/models/*.conf present");
    for (File f : presets) {
      Config c = RlhfConfig.load(List.of(new File(confDir, "k8s.conf"), f), List.of());
      TrainingSettings sft = TrainingSettings.from(c, "sft");
      TrainingSettings reward = TrainingSettings.from(c, "reward");
      assertTrue(sft.loraEnabled() && reward.loraEnabled(), f + " trains LoRA adapters");
      PrepareSettings.from(c.getConfig("rlhf.prepare")); // prompt format and tokenizer settings are consistent
    }
  }

  @Test
  void trainingSettingsAreCheckedWithTheKeyInTheMessage() {
    Config c = RlhfConfig.load(List.of(), List.of("sft.micro-batch=16", "sft.global-batch=8"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainingSettings.from(c, "sft"));
    assertTrue(e.getMessage().contains("rlhf.sft.") && e.getMessage().contains("micro-batch"), e.getMessage());
    Config schedule = RlhfConfig.load(List.of(), List.of("reward.optimizer.schedule=exponential"));
    IllegalArgumentException s = assertThrows(IllegalArgumentException.class, () -> TrainingSettings.from(schedule, "reward"));
    assertTrue(s.getMessage().contains("exponential"), s.getMessage());
    Config typo = RlhfConfig.load(List.of(), List.of("sft.optimizer.lr=fast"));
    IllegalArgumentException t = assertThrows(IllegalArgumentException.class, () -> TrainingSettings.from(typo, "sft"));
    assertTrue(t.getMessage().contains("optimizer.lr"), t.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new RunFlags(true, true, -1, null));
  }
}
