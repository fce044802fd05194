package io.sparkrlhf.model.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * GPT-2's reversible byte-to-character map ({@code bytes_to_unicode}), in which every byte-level BPE
 * {@code tokenizer.json} (GPT-2, LLaMA 3, Qwen2) spells its tokens: printable bytes stand for
 * themselves, the others become the characters from U+0100 on, in byte order.
 */
public final class ByteLevelAlphabet {
  private static final char[] SYMBOL = new char[256];
  private static final int[] BYTE = new int[512];

  static {
    java.util.Arrays.fill(BYTE, -1);
    int next = 256;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      SYMBOL[b] = printable ? (char) b : (char) next++;
      BYTE[SYMBOL[b]] = b;
    }
  }

  private ByteLevelAlphabet() {}

  public static char symbol(int b) {
    return SYMBOL[b & 0xFF];
  }

  /** The bytes a token spelt in this alphabet stands for; a character outside it stands for its own UTF-8. */
  public static byte[] bytes(String token) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(token.length());
    for (int i = 0; i < token.length(); ) {
      int cp = token.codePointAt(i);
      if (cp < BYTE.length && BYTE[cp] >= 0) {
        out.write(BYTE[cp]);
      } else {
        out.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
      }
      i += Character.charCount(cp);
    }
    return out.toByteArray();
  }

  /** A token's bytes spelt in this alphabet. */
  public static String spell(byte[] bytes) {
    StringBuilder s = new StringBuilder(bytes.length);
    for (byte b : bytes) {
      s.append(symbol(b));
    }
    return s.toString();
  }
}
