package io.sparkrlhf.model.tokenizer;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;

/**
 * GPT-2's byte-level BPE ({@code r50k_base}, 50 257 tokens), the embedded default: its vocabulary
 * ships inside the jtokkit jar, so it needs no file and no network.
 */
public final class Gpt2Tokenizer implements TextTokenizer {

  /** {@code <|endoftext|>}. */
  public static final int EOS_TOKEN_ID = 50256;

  public static final String EOS_TOKEN = "<|endoftext|>";

  private static final Gpt2Tokenizer INSTANCE = new Gpt2Tokenizer();

  private final Encoding encoding;

  private Gpt2Tokenizer() {
    this.encoding = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
  }

  public static Gpt2Tokenizer instance() {
    return INSTANCE;
  }

  @Override
  public String name() {
    return "gpt2/r50k_base";
  }

  @Override
  public int[] encode(String text) {
    return encoding.encodeOrdinary(text).toArray();
  }

  @Override
  public String decode(int[] ids) {
    IntArrayList list = new IntArrayList(ids.length);
    for (int id : ids) {
      list.add(id);
    }
    return encoding.decode(list);
  }

  /** The bytes token {@code id} stands for. */
  public byte[] tokenBytes(int id) {
    IntArrayList one = new IntArrayList(1);
    one.add(id);
    return encoding.decodeBytes(one);
  }

  @Override
  public int eosTokenId() {
    return EOS_TOKEN_ID;
  }

  @Override
  public int vocabSize() {
    return EOS_TOKEN_ID + 1;
  }
}
