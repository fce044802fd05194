package io.sparkrlhf.model.prompt;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.filter.AdvancedFilter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face chat template ({@code chat_template} in {@code tokenizer_config.json}): Jinja
 * text that turns a list of {role, content} messages into the prompt an Instruct model was trained
 * on. Rendered with jinjava in the environment transformers gives it: {@code trim_blocks} and
 * {@code lstrip_blocks} on, {@code bos_token}, {@code eos_token}, {@code add_generation_prompt},
 * {@code raise_exception(msg)}, {@code namespace(...)} and a {@code tojson} that writes as Python's
 * {@code json.dumps} (", " and ": " separators, non-ASCII kept, optional {@code indent}).
 *
 * <p>Not thread-safe to build, safe to share once built: each render has its own interpreter.
 */
public final class ChatTemplate {
  /** One message of a conversation. */
  public record Message(String role, String content) {
    Map<String, Object> asMap() {
      Map<String, Object> m = new HashMap<>();
      m.put("role", role);
      m.put("content", content);
      return m;
    }
  }

  private final String template;
  private final String bosToken;
  private final String eosToken;
  private final String source;
  private final Jinjava jinjava;

  /**
   * @param bosToken / eosToken the tokenizer's special-token text (what {@code bos_token} and
   *     {@code eos_token} expand to), or null
   * @param source where the template came from, for messages
   */
  public ChatTemplate(String template, String bosToken, String eosToken, String source) {
    if (template == null || template.isBlank()) {
      throw new IllegalArgumentException(source + ": chat_template is empty");
    }
    this.template = template;
    this.bosToken = bosToken;
    this.eosToken = eosToken;
    this.source = source;
    // Python Jinja's semantics where jinjava's defaults differ: "{{-" trims like "{%-", filters bind
    // tighter than "+", a dict iterates over its keys, whitespace control parsed as Jinja does.
    LegacyOverrides jinja2 = LegacyOverrides.newBuilder().withUseTrimmingForNotesAndExpressions(true)
        .withUseNaturalOperatorPrecedence(true).withParseWhitespaceControlStrictly(true)
        .withIterateOverMapKeys(true).withEvaluateMapKeys(true).withKeepNullableLoopValues(true).build();
    this.jinjava = new Jinjava(JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true)
        .withLegacyOverrides(jinja2).build());
    jinjava.getGlobalContext().registerFunction(
        new ELFunctionDefinition("", "raise_exception", ChatTemplate.class, "raiseException", String.class));
    jinjava.getGlobalContext().registerFunction(
        new ELFunctionDefinition("", "namespace", com.hubspot.jinjava.lib.fn.Functions.class, "createNamespace",
            Object[].class));
    jinjava.getGlobalContext().registerFilter(new PythonJsonFilter());
  }

  public String template() {
    return template;
  }

  public String bosToken() {
    return bosToken;
  }

  public String eosToken() {
    return eosToken;
  }

  public String source() {
    return source;
  }

  /**
   * The {@code chat_template} of a {@code tokenizer_config.json} (a string, or a list of named
   * templates of which "default" is taken), with its bos_token and eos_token; empty when it has none.
   */
  public static java.util.Optional<ChatTemplate> fromTokenizerConfig(byte[] tokenizerConfig, String source) {
    com.fasterxml.jackson.databind.JsonNode root;
    try {
      root = new com.fasterxml.jackson.databind.ObjectMapper().readTree(tokenizerConfig);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException(source + " is not valid JSON: " + e.getMessage(), e);
    }
    com.fasterxml.jackson.databind.JsonNode t = root == null ? null : root.get("chat_template");
    if (t == null || t.isNull()) {
      return java.util.Optional.empty();
    }
    String text = null;
    if (t.isTextual()) {
      text = t.asText();
    } else if (t.isArray()) {
      for (com.fasterxml.jackson.databind.JsonNode named : t) {
        if (named.path("name").asText().equals("default")) {
          text = named.path("template").asText();
        }
      }
      if (text == null) {
        throw new IllegalArgumentException(source + ": chat_template is a list without a \"default\" entry");
      }
    } else {
      throw new IllegalArgumentException(source + ": chat_template must be a string or a list, found " + t.getNodeType());
    }
    String bos = io.sparkrlhf.model.tokenizer.SpecialTokens.find(tokenizerConfig, "bos_token", source).orElse(null);
    String eos = io.sparkrlhf.model.tokenizer.SpecialTokens.find(tokenizerConfig, "eos_token", source).orElse(null);
    return java.util.Optional.of(new ChatTemplate(text, bos, eos, source));
  }

  /** The template's {@code raise_exception}: stops rendering with the template's own message. */
  public static Object raiseException(String message) {
    throw new TemplateRaised(message);
  }

  /**
   * Renders a conversation.
   *
   * @param addGenerationPrompt end with the header that opens the assistant's turn, so the model
   *     answers next (what generation wants); false for a finished conversation
   */
  public String render(List<Message> messages, boolean addGenerationPrompt) {
    List<Map<String, Object>> list = new ArrayList<>();
    for (Message m : messages) {
      list.add(m.asMap());
    }
    Map<String, Object> context = new HashMap<>();
    context.put("messages", list);
    context.put("add_generation_prompt", addGenerationPrompt);
    context.put("bos_token", bosToken == null ? "" : bosToken);
    context.put("eos_token", eosToken == null ? "" : eosToken);
    RenderResult result = jinjava.renderForResult(template, context);
    for (TemplateError e : result.getErrors()) {
      if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
        String message = e.getException() != null && rootCause(e.getException()) instanceof TemplateRaised raised
            ? raised.getMessage() : e.getMessage();
        throw new IllegalArgumentException(source + ": chat template failed: " + message
            + (e.getLineno() > 0 ? " (line " + e.getLineno() + ")" : ""));
      }
    }
    return result.getOutput();
  }

  private static Throwable rootCause(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c;
  }

  /** What raise_exception throws, to tell the template's own message from jinjava's errors. */
  static final class TemplateRaised extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TemplateRaised(String message) {
      super(message);
    }
  }

  /** {@code tojson} as transformers defines it: json.dumps(x, ensure_ascii=False, indent=...). */
  static final class PythonJsonFilter implements AdvancedFilter {
    @Override
    public String getName() {
      return "tojson";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
      Object indent = kwargs.get("indent");
      if (indent == null && args.length > 0) {
        indent = args[0];
      }
      int spaces = indent == null ? -1 : Integer.parseInt(indent.toString());
      StringBuilder out = new StringBuilder();
      PythonJson.write(var, spaces, 0, out);
      return out.toString();
    }
  }
}
