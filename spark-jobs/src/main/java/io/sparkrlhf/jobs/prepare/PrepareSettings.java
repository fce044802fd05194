package io.sparkrlhf.jobs.prepare;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.sparkrlhf.datasets.prepare.PrepareOptions;
import io.sparkrlhf.datasets.prepare.SftSelection;
import io.sparkrlhf.model.prompt.PromptTemplate;
import io.sparkrlhf.model.tokenizer.TokenizerSpec;
import java.util.List;
import java.util.Locale;

/** {@code rlhf.prepare}, read and checked once; the job works on this typed copy. */
public record PrepareSettings(
    String inputFormat,
    List<String> inputPaths,
    String output,
    int keepGenerations,
    String tokenizerKind,
    String tokenizerPath,
    String eosToken,
    String promptTemplate,
    int seqLen,
    int maxPromptTokens,
    int maxPairTokens,
    int maxPairsPerQuestion,
    SftSelection sftSelection,
    long seed,
    double evalFraction,
    String splitSalt,
    int maxRowChars,
    double maxBadFraction,
    long packTokensPerPartition,
    String promptFormat,
    boolean addGenerationPrompt,
    String systemPrompt) {

  public static final String STACKEXCHANGE = "stackexchange";
  public static final String PAIRED = "paired";
  /** Anthropic HH-RLHF JSON Lines: chosen and rejected transcripts whose shared prefix is the prompt. */
  public static final String HH_RLHF = "hh-rlhf";
  public static final String CHAT_TEMPLATE = "chat-template";

  public static PrepareSettings from(Config prepare) {
    try {
      String format = oneOf(prepare, "input.format", STACKEXCHANGE, PAIRED, HH_RLHF);
      String kind = oneOf(prepare, "tokenizer.kind", "gpt2", "hf");
      String sftMode = oneOf(prepare, "sft.answers", "best", "min-score");
      String promptFormat = oneOf(prepare, "prompt.format", "template", CHAT_TEMPLATE);
      SftSelection sft = sftMode.equals("best") ? SftSelection.best() : SftSelection.minScore(prepare.getInt("sft.min-score"));
      PrepareSettings s = new PrepareSettings(
          format,
          prepare.getStringList("input.paths"),
          prepare.getString("output"),
          prepare.getInt("keep-generations"),
          kind,
          prepare.getString("tokenizer.path"),
          prepare.getString("tokenizer.eos-token"),
          prepare.getString("prompt-template"),
          prepare.getInt("seq-len"),
          prepare.getInt("max-prompt-tokens"),
          prepare.getInt("max-pair-tokens"),
          prepare.getInt("max-pairs-per-question"),
          sft,
          prepare.getLong("seed"),
          prepare.getDouble("split.eval-fraction"),
          prepare.getString("split.salt"),
          prepare.getInt("max-row-chars"),
          prepare.getDouble("max-bad-fraction"),
          prepare.getLong("pack-tokens-per-partition"),
          promptFormat,
          prepare.getBoolean("prompt.add-generation-prompt"),
          prepare.getString("prompt.system"));
      if (s.inputPaths.isEmpty()) {
        throw new IllegalArgumentException("rlhf.prepare.input.paths is empty: give at least one input path");
      }
      if (!(s.maxBadFraction >= 0 && s.maxBadFraction <= 1)) {
        throw new IllegalArgumentException("rlhf.prepare.max-bad-fraction must be in [0, 1], found " + s.maxBadFraction
            + " (" + prepare.getValue("max-bad-fraction").origin().description() + ")");
      }
      if (s.output.isBlank()) {
        throw new IllegalArgumentException("rlhf.prepare.output is empty");
      }
      if (promptFormat.equals(CHAT_TEMPLATE) && !kind.equals("hf")) {
        throw new IllegalArgumentException("rlhf.prepare.prompt.format = chat-template needs rlhf.prepare.tokenizer.kind"
            + " = hf: the template is the chat_template of the tokenizer's tokenizer_config.json");
      }
      if (kind.equals("hf") && s.tokenizerPath.isBlank()) {
        throw new IllegalArgumentException("rlhf.prepare.tokenizer.kind = hf needs rlhf.prepare.tokenizer.path");
      }
      return s;
    } catch (ConfigException e) {
      throw new IllegalArgumentException("configuration error: " + e.getMessage(), e);
    }
  }

  private static String oneOf(Config c, String key, String... allowed) {
    String v = c.getString(key).toLowerCase(Locale.ROOT);
    for (String a : allowed) {
      if (a.equals(v)) {
        return v;
      }
    }
    throw new IllegalArgumentException(
        "rlhf.prepare." + key + " must be one of " + List.of(allowed) + ", found '" + c.getString(key) + "' ("
            + c.getValue(key).origin().description() + ")");
  }

  /** The options the datasets code runs with, for the given tokenizer and the {@code prompt-template} text. */
  public PrepareOptions options(TokenizerSpec tokenizer) {
    return options(tokenizer, new PromptTemplate(promptTemplate));
  }

  /** The options with a given prompt (a chat template read from the tokenizer's directory). */
  public PrepareOptions options(TokenizerSpec tokenizer, PromptTemplate prompt) {
    return new PrepareOptions(prompt, tokenizer, seqLen, maxPromptTokens, maxPairTokens,
        maxPairsPerQuestion, sftSelection, seed, evalFraction, splitSalt, maxRowChars, packTokensPerPartition);
  }

  /** The same settings reading {@code format}. */
  public PrepareSettings withFormat(String format) {
    return new PrepareSettings(format, inputPaths, output, keepGenerations, tokenizerKind, tokenizerPath, eosToken,
        promptTemplate, seqLen, maxPromptTokens, maxPairTokens, maxPairsPerQuestion, sftSelection, seed, evalFraction,
        splitSalt, maxRowChars, maxBadFraction, packTokensPerPartition, promptFormat, addGenerationPrompt, systemPrompt);
  }

  public PrepareSettings withInput(List<String> paths) {
    return new PrepareSettings(inputFormat, paths, output, keepGenerations, tokenizerKind, tokenizerPath, eosToken,
        promptTemplate, seqLen, maxPromptTokens, maxPairTokens, maxPairsPerQuestion, sftSelection, seed, evalFraction,
        splitSalt, maxRowChars, maxBadFraction, packTokensPerPartition, promptFormat, addGenerationPrompt, systemPrompt);
  }

  public PrepareSettings withOutput(String out) {
    return new PrepareSettings(inputFormat, inputPaths, out, keepGenerations, tokenizerKind, tokenizerPath, eosToken,
        promptTemplate, seqLen, maxPromptTokens, maxPairTokens, maxPairsPerQuestion, sftSelection, seed, evalFraction,
        splitSalt, maxRowChars, maxBadFraction, packTokensPerPartition, promptFormat, addGenerationPrompt, systemPrompt);
  }
}
