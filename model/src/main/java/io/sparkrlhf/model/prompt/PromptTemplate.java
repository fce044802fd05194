package io.sparkrlhf.model.prompt;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * The text a question becomes before the model sees it; StackLLaMA's is
 * {@code "Question: {question}\n\nAnswer: "}. Shared by prepare (tables), training and generation,
 * so every stage sees the same prompt tokens.
 *
 * <p>Or an Instruct model's chat template ({@link #chat}): the question becomes the user message
 * (after an optional system message) rendered through the template, with the assistant's header
 * when {@code add_generation_prompt} is on, so the model answers in its own turn format. Such a
 * prompt carries its special tokens as text (Llama 3's starts with {@code <|begin_of_text|>}), so
 * callers must not add BOS again ({@link #rendersSpecialTokens}).
 */
public final class PromptTemplate implements Serializable {
  private static final long serialVersionUID = 2L;

  public static final String PLACEHOLDER = "{question}";
  public static final PromptTemplate STACK_LLAMA = new PromptTemplate("Question: {question}\n\nAnswer: ");

  private final String prefix;
  private final String suffix;
  private final String template;
  // chat form: the Jinja text and what it needs; null for the plain form
  private final String chatBos;
  private final String chatEos;
  private final String chatSource;
  private final boolean addGenerationPrompt;
  private final String systemPrompt;
  private transient ChatTemplate chat; // jinjava is not serialisable: rebuilt once per JVM copy

  public PromptTemplate(String template) {
    int at = template.indexOf(PLACEHOLDER);
    if (at < 0 || template.indexOf(PLACEHOLDER, at + 1) >= 0) {
      throw new IllegalArgumentException(
          "prompt template must contain " + PLACEHOLDER + " exactly once, found: \"" + template + "\"");
    }
    this.template = template;
    this.prefix = template.substring(0, at);
    this.suffix = template.substring(at + PLACEHOLDER.length());
    this.chatBos = null;
    this.chatEos = null;
    this.chatSource = null;
    this.addGenerationPrompt = false;
    this.systemPrompt = null;
  }

  private PromptTemplate(ChatTemplate chat, String bos, String eos, String source, boolean addGenerationPrompt,
      String systemPrompt) {
    this.template = chat.template();
    this.prefix = null;
    this.suffix = null;
    this.chatBos = bos;
    this.chatEos = eos;
    this.chatSource = source;
    this.addGenerationPrompt = addGenerationPrompt;
    this.systemPrompt = systemPrompt == null || systemPrompt.isEmpty() ? null : systemPrompt;
    this.chat = chat;
  }

  /**
   * Questions rendered through a chat template.
   *
   * @param systemPrompt a system message before each question, or null/empty for none (the
   *     template's default applies, e.g. Qwen's)
   */
  public static PromptTemplate chat(ChatTemplate chat, boolean addGenerationPrompt, String systemPrompt) {
    PromptTemplate t = new PromptTemplate(chat, chat.bosToken(), chat.eosToken(), chat.source(), addGenerationPrompt,
        systemPrompt);
    t.render("probe"); // a template that cannot render a plain question fails here, on the driver
    return t;
  }

  public String render(String question) {
    if (template != null && prefix != null) {
      return prefix + question + suffix;
    }
    List<ChatTemplate.Message> messages = new ArrayList<>(2);
    if (systemPrompt != null) {
      messages.add(new ChatTemplate.Message("system", systemPrompt));
    }
    messages.add(new ChatTemplate.Message("user", question));
    return chatTemplate().render(messages, addGenerationPrompt);
  }

  /** True for a chat template: the rendered text holds BOS and turn markers as special-token text. */
  public boolean rendersSpecialTokens() {
    return prefix == null;
  }

  /** "template" or "chat-template", for manifests. */
  public String format() {
    return prefix == null ? "chat-template" : "template";
  }

  private synchronized ChatTemplate chatTemplate() {
    if (chat == null) {
      chat = new ChatTemplate(template, chatBos, chatEos, chatSource);
    }
    return chat;
  }

  public String template() {
    return template;
  }

  @Override
  public String toString() {
    return template;
  }
}
