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
}
