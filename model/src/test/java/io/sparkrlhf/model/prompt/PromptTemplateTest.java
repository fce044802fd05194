package io.sparkrlhf.model.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class PromptTemplateTest {
  @Test
  void stackLlamaTemplate() {
    assertEquals("Question: Why?\n\nAnswer: ", PromptTemplate.STACK_LLAMA.render("Why?"));
  }

  @Test
  void placeholderMustAppearExactlyOnce() {
    assertThrows(IllegalArgumentException.class, () -> new PromptTemplate("no placeholder"));
    assertThrows(IllegalArgumentException.class, () -> new PromptTemplate("{question} {question}"));
  }

  @Test
  void questionTextIsNotInterpreted() {
    assertEquals("Q: {question} $1\nA:", new PromptTemplate("Q: {question}\nA:").render("{question} $1"));
  }

  /** Spark ships prompt templates to executors inside closures: the chat form must survive serialisation. */
  @Test
  void aChatTemplatePromptRendersTheUserTurnAndSurvivesSerialisation() throws Exception {
    ChatTemplate qwen = new ChatTemplate("{%- for m in messages %}{{- '<|im_start|>' + m.role + '\\n' + m.content"
        + " + '<|im_end|>\\n' }}{%- endfor %}{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}",
        null, "<|im_end|>", "qwen");
    PromptTemplate t = PromptTemplate.chat(qwen, true, "Be terse.");
    String expected = "<|im_start|>system\nBe terse.<|im_end|>\n<|im_start|>user\nWhy?<|im_end|>\n<|im_start|>assistant\n";
    assertEquals(expected, t.render("Why?"));
    assertEquals("chat-template", t.format());
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
      out.writeObject(t);
    }
    PromptTemplate copy;
    try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
      copy = (PromptTemplate) in.readObject();
    }
    assertEquals(expected, copy.render("Why?"));
    assertEquals("<|im_start|>user\nWhy?<|im_end|>\n", PromptTemplate.chat(qwen, false, "").render("Why?"));
    assertEquals("template", PromptTemplate.STACK_LLAMA.format());
  }
}
