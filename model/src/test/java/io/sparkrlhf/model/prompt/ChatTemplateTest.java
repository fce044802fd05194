package io.sparkrlhf.model.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkrlhf.model.prompt.ChatTemplate.Message;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The real Llama-3-Instruct and Qwen2.5-Instruct chat templates (their tokenizer_config.json
 * entries, in src/test/resources/chat-templates) rendered for a two-turn conversation, against
 * strings worked out by hand from the template text.
 */
class ChatTemplateTest {
  private static ChatTemplate load(String name) throws Exception {
    try (InputStream in = ChatTemplateTest.class.getResourceAsStream("/chat-templates/" + name)) {
      return ChatTemplate.fromTokenizerConfig(in.readAllBytes(), name).orElseThrow();
    }
  }

  // Spaces around the first question: Llama 3's template trims content, Qwen's keeps it.
  private static final List<Message> TWO_TURNS = List.of(
      new Message("user", "  Hi there!  "),
      new Message("assistant", "Hello! How can I help?"),
      new Message("user", "What is 2 + 2?"),
      new Message("assistant", "4"));

  @Test
  void llama3InstructTemplate() throws Exception {
    ChatTemplate t = load("llama-3-8b-instruct.tokenizer_config.json");
    // bos_token once, before the first message; each message: header, blank line, trimmed text, <|eot_id|>.
    String conversation = "<|begin_of_text|>"
        + "<|start_header_id|>user<|end_header_id|>\n\nHi there!<|eot_id|>"
        + "<|start_header_id|>assistant<|end_header_id|>\n\nHello! How can I help?<|eot_id|>"
        + "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2 + 2?<|eot_id|>";
    assertEquals(conversation + "<|start_header_id|>assistant<|end_header_id|>\n\n4<|eot_id|>",
        t.render(TWO_TURNS, false));
    assertEquals(conversation + "<|start_header_id|>assistant<|end_header_id|>\n\n",
        t.render(TWO_TURNS.subList(0, 3), true));
  }

  @Test
  void qwen25InstructTemplate() throws Exception {
    ChatTemplate t = load("qwen2.5-instruct.tokenizer_config.json");
    // No system message: Qwen's default one; each message "<|im_start|>role\ncontent<|im_end|>\n", content untouched.
    String conversation = "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
        + "<|im_start|>user\n  Hi there!  <|im_end|>\n"
        + "<|im_start|>assistant\nHello! How can I help?<|im_end|>\n"
        + "<|im_start|>user\nWhat is 2 + 2?<|im_end|>\n";
    assertEquals(conversation + "<|im_start|>assistant\n4<|im_end|>\n", t.render(TWO_TURNS, false));
    assertEquals(conversation + "<|im_start|>assistant\n", t.render(TWO_TURNS.subList(0, 3), true));
    // A system message replaces the default and is not repeated by the loop (loop.first).
    assertEquals("<|im_start|>system\nBe terse.<|im_end|>\n<|im_start|>user\nWhat is 2 + 2?<|im_end|>\n"
        + "<|im_start|>assistant\n",
        t.render(List.of(new Message("system", "Be terse."), new Message("user", "What is 2 + 2?")), true));
  }

  @Test
  void helpersHfTemplatesUse() {
    // Mistral's guard: raise_exception stops rendering with the template's message.
    ChatTemplate mistral = new ChatTemplate("{{ bos_token }}{% for message in messages %}"
        + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
        + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
        + "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'].strip() + ' [/INST]' }}"
        + "{% else %}{{ message['content'].strip() + eos_token }}{% endif %}{% endfor %}", "<s>", "</s>", "mistral");
    assertEquals("<s>[INST] hi [/INST]ok</s>[INST] more [/INST]", mistral.render(
        List.of(new Message("user", " hi "), new Message("assistant", "ok "), new Message("user", "more")), false));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> mistral.render(List.of(new Message("assistant", "x")), false));
    assertTrue(e.getMessage().contains("Conversation roles must alternate") && e.getMessage().contains("mistral"),
        e.getMessage());

    // namespace() with attribute assignment in a loop, and tojson as json.dumps writes it.
    ChatTemplate ns = new ChatTemplate("{%- set ns = namespace(count=0, last='') %}"
        + "{%- for m in messages %}{%- set ns.count = ns.count + 1 %}{%- set ns.last = m.role %}{%- endfor %}"
        + "{{ ns.count }} {{ ns.last }} {{ messages[0] | tojson }} {{ {'a': [1, 'ü\"'] } | tojson(indent=2) }}",
        null, null, "helpers");
    assertEquals("2 assistant {\"role\": \"user\", \"content\": \"q\"} {\n  \"a\": [\n    1,\n    \"ü\\\"\"\n  ]\n}",
        ns.render(List.of(new Message("user", "q"), new Message("assistant", "a")), false));
  }
}
