package io.sparkrlhf.model.prompt;

import java.io.Serializable;

/**
 * The text a question becomes before the model sees it; StackLLaMA's is
 * {@code "Question: {question}\n\nAnswer: "}. Shared by prepare (tables), training and generation,
 * so every stage sees the same prompt tokens.
 */
public final class PromptTemplate implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final String PLACEHOLDER = "{question}";
  public static final PromptTemplate STACK_LLAMA = new PromptTemplate("Question: {question}\n\nAnswer: ");

  private final String prefix;
  private final String suffix;
  private final String template;

  public PromptTemplate(String template) {
    int at = template.indexOf(PLACEHOLDER);
    if (at < 0 || template.indexOf(PLACEHOLDER, at + 1) >= 0) {
      throw new IllegalArgumentException(
          "prompt template must contain " + PLACEHOLDER + " exactly once, found: \"" + template + "\"");
    }
    this.template = template;
    this.prefix = template.substring(0, at);
    this.suffix = template.substring(at + PLACEHOLDER.length());
  }

  public String render(String question) {
    return prefix + question + suffix;
  }

  public String template() {
    return template;
  }

  @Override
  public String toString() {
    return template;
  }
}
