package io.sparkrlhf.datasets.tables;

import java.util.List;

/** The tables one prepare run commits together, as paths relative to the generation directory. */
public final class TableSet {
  private TableSet() {}

  public static final String TRAIN = "train";
  public static final String EVAL = "eval";

  public static String path(String table, String split) {
    return table + "/" + split;
  }

  public static final List<String> ALL =
      List.of(
          path(SftPackedTable.NAME, TRAIN),
          path(SftPackedTable.NAME, EVAL),
          path(PreferencePairsTable.NAME, TRAIN),
          path(PreferencePairsTable.NAME, EVAL),
          path(RlPromptsTable.NAME, TRAIN),
          path(RlPromptsTable.NAME, EVAL),
          BadRecordsTable.NAME);
}
