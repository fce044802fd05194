package io.sparkrlhf.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkrlhf.model.hub.HfModelDirectory;
import io.sparkrlhf.model.hub.HfModelDirectoryAccess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BOS/EOS/PAD of Llama-3.1-Instruct and Qwen2.5-Instruct directories, from their four files. */
class SpecialTokenIdsTest {
  @TempDir Path dir;

  private void write(String name, String json) throws Exception {
    Files.writeString(dir.resolve(name), json);
  }

  /** Llama-3.1-8B-Instruct's files: eos <|eot_id|> in tokenizer_config, three EOS ids in configs, no pad. */
  private void llama31Instruct() throws Exception {
    Files.write(dir.resolve("tokenizer.json"), ModernTokenizerJson.llama3());
    write("tokenizer_config.json", "{\"bos_token\":\"<|begin_of_text|>\",\"eos_token\":\"<|eot_id|>\","
        + "\"clean_up_tokenization_spaces\":true,\"model_max_length\":131072}");
    write("special_tokens_map.json", "{\"bos_token\":{\"content\":\"<|begin_of_text|>\",\"lstrip\":false},"
        + "\"eos_token\":{\"content\":\"<|eot_id|>\",\"lstrip\":false}}");
    write("generation_config.json", "{\"bos_token_id\":128000,\"do_sample\":true,"
        + "\"eos_token_id\":[128001,128008,128009],\"temperature\":0.6,\"top_p\":0.9}");
    write("config.json", "{\"model_type\":\"llama\",\"bos_token_id\":128000,\"eos_token_id\":[128001,128008,128009]}");
  }

  @Test
  void llama31InstructStopsOnAnyOfItsEosIdsAndPadsWithEos() throws Exception {
    llama31Instruct();
    SpecialTokenIds ids = HfModelDirectory.specialTokens(dir).orElseThrow();
    // The tokenizer's eos_token first (appended after documents), then the configs' ids.
    assertArrayEquals(new int[] {128009, 128001, 128008}, ids.eos());
    assertEquals(128009, ids.pad());
    assertTrue(ids.padIsEos());
    assertEquals(128000, ids.bos());
    assertEquals(128000, ids.bosToAdd(), "LLaMA 3 adds <|begin_of_text|> through its post-processor");
  }

  @Test
  void llama3TokenizerFromTheDirectoryStartsSequencesWithBeginOfText() throws Exception {
    llama31Instruct();
    TextTokenizer tok = HfModelDirectoryAccess.tokenizer(dir).load();
    assertEquals(128000, tok.bosTokenId().getAsInt());
    assertEquals(128009, tok.eosTokenId());
  }

  @Test
  void qwen25InstructHasItsOwnPadAndNoBosToAdd() throws Exception {
    Files.write(dir.resolve("tokenizer.json"), ModernTokenizerJson.qwen2());
    write("tokenizer_config.json", "{\"add_bos_token\":false,\"bos_token\":null,\"eos_token\":\"<|im_end|>\","
        + "\"pad_token\":\"<|endoftext|>\",\"unk_token\":null}");
    write("generation_config.json", "{\"bos_token_id\":151643,\"pad_token_id\":151643,\"do_sample\":true,"
        + "\"eos_token_id\":[151645,151643],\"repetition_penalty\":1.05}");
    write("config.json", "{\"model_type\":\"qwen2\",\"bos_token_id\":151643,\"eos_token_id\":151645}");
    SpecialTokenIds ids = HfModelDirectory.specialTokens(dir).orElseThrow();
    assertArrayEquals(new int[] {151645, 151643}, ids.eos());
    assertEquals(151643, ids.pad());
    assertFalse(ids.padIsEos());
    assertNull(ids.bosToAdd());
    assertEquals(151643, ids.bos(), "bos_token null in tokenizer_config: config's bos_token_id");
  }

  @Test
  void aTokenNotInTheVocabularyIsNamed() throws Exception {
    llama31Instruct();
    write("tokenizer_config.json", "{\"eos_token\":\"<|eot_id|>\",\"pad_token\":\"<pad>\"}");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HfModelDirectory.specialTokens(dir));
    assertTrue(e.getMessage().contains("pad_token '<pad>'"), e.getMessage());
  }

  @Test
  void idsFromConfigsAloneWhenThereIsNoTokenizer() {
    SpecialTokenIds ids = SpecialTokenIds.resolve(new SpecialTokenIds.Files(null, null, null,
        "{\"eos_token_id\":[2,32000]}".getBytes(StandardCharsets.UTF_8),
        "{\"eos_token_id\":2,\"pad_token_id\":0}".getBytes(StandardCharsets.UTF_8)), null, "dir");
    assertArrayEquals(new int[] {2, 32000}, ids.eos());
    assertEquals(0, ids.pad());
  }
}
