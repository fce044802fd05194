package io.sparkrlhf.conf;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SecretsTest {
  @Test
  void keysLookSecretByTheirNameInAnyCase() {
    for (String key : List.of("fs.s3a.secret.key", "FS.S3A.ACCESS.KEY", "fs.s3a.session.token",
        "spark.hadoop.fs.s3a.bucket.models.access.key", "javax.jdo.option.ConnectionPassword", "hf_token", "access_key",
        "accessKey", "db.passwd", "spark.sql.session.timeZone")) {
      assertTrue(Secrets.isSecretKey(key), key);
    }
    for (String key : List.of("rlhf.ppo.generation.max-new-tokens", "rlhf.prepare.tokenizer.path",
        "prepare.max-prompt-tokens", "fs.s3a.endpoint", "rlhf.sft.output", "prepare.tokenised")) {
      assertFalse(Secrets.isSecretKey(key), key);
    }
  }

  @Test
  void redactsTheValuesOfSecretAssignmentsInText() {
    assertEquals("unknown key (override 'spark.hadoop.fs.s3a.secret.key=<redacted>'), and seq-len=5",
        Secrets.redact("unknown key (override 'spark.hadoop.fs.s3a.secret.key=abc/def+1'), and seq-len=5"));
    assertEquals("\"spark.hadoop.fs.s3a.access.key\" = <redacted>, x: 1",
        Secrets.redact("\"spark.hadoop.fs.s3a.access.key\" = \"AKIA 1\", x: 1"));
    assertEquals("token: <redacted>", Secrets.redact("token: 'a b'"));
    assertEquals("max-new-tokens=24", Secrets.redact("max-new-tokens=24"));
    assertEquals("fs.s3a.secret.key", Secrets.redact("fs.s3a.secret.key"), "a key alone shows no value");
  }

  @Test
  void redactsCredentialsInsideUrisOnly() {
    assertEquals("read s3a://<redacted>@bucket/path and hdfs://nn:8020/x",
        Secrets.redact("read s3a://AKIA:SeCrEt@bucket/path and hdfs://nn:8020/x"));
    assertEquals("s3a://bucket/models/llama@v2", Secrets.redact("s3a://bucket/models/llama@v2"));
    assertEquals("s3a://<redacted>@bucket/p", Secrets.redact("s3a://AKIA:ab/cd+ef@bucket/p"), "a '/' in the secret");
    assertEquals("s3a://<redacted>", Secrets.redact("s3a://AKIA:ab/cd+ef"));
    assertEquals("hdfs://[::1]:8020/x and hdfs://[::1]/y", Secrets.redact("hdfs://[::1]:8020/x and hdfs://[::1]/y"));
    assertTrue(Secrets.hasCredentialsInUri("s3a://KEY@bucket/x"));
    assertTrue(Secrets.hasCredentialsInUri("see s3a://AKIA:ab/cd@bucket/x"));
    assertFalse(Secrets.hasCredentialsInUri("s3a://bucket/x@y"));
    assertFalse(Secrets.hasCredentialsInUri("user@example.com"));
  }

  @Test
  void anAssignmentShowsItsKeyAndNeverASecretValue() {
    assertEquals("fs.s3a.secret.key=<redacted>", Secrets.redactAssignment("fs.s3a.secret.key=x y z"));
    assertEquals("spark.conf.\"spark.hadoop.fs.s3a.session.token\"=<redacted>",
        Secrets.redactAssignment("spark.conf.\"spark.hadoop.fs.s3a.session.token\"=\"t0k\""));
    assertEquals("sft.output=s3a://<redacted>@b/o", Secrets.redactAssignment("sft.output=s3a://k:s@b/o"));
    assertEquals("prepare.seq-len=5", Secrets.redactAssignment("prepare.seq-len=5"));
    assertEquals("fs.s3a.secret.key <redacted>", Secrets.redactAssignment("fs.s3a.secret.key XYZ"), "a missing '='");
  }

  @Test
  void aUriWithCredentialsIsRefusedShownRedacted() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Secrets.refuseCredentialsInUri("rlhf.sft.output", "s3a://AKIAKEY:SeCrEt@bucket/sft"));
    assertTrue(e.getMessage().startsWith("rlhf.sft.output: credentials inside a URI are refused"), e.getMessage());
    assertTrue(e.getMessage().contains("s3a://<redacted>@bucket/sft"), e.getMessage());
    assertFalse(e.getMessage().contains("AKIAKEY") || e.getMessage().contains("SeCrEt"), e.getMessage());
    assertDoesNotThrow(() -> Secrets.refuseCredentialsInUri("x", "s3a://bucket/sft"));
    assertDoesNotThrow(() -> Secrets.refuseCredentialsInUri("x", null));
  }
}
