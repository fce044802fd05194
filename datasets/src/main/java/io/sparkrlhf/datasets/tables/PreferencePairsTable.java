package io.sparkrlhf.datasets.tables;

import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.createArrayType;
import static org.apache.spark.sql.types.DataTypes.createStructField;
import static org.apache.spark.sql.types.DataTypes.createStructType;

import java.util.List;
import org.apache.spark.sql.types.StructType;

/**
 * {@code preference_pairs/{train,eval}}: the reward model's and DPO's data. {@code chosen_ids} and
 * {@code rejected_ids} are the response tokens only (no prompt, no EOS); scores and margin are null
 * when the input carried none (paired tables).
 */
public final class PreferencePairsTable {
  private PreferencePairsTable() {}

  public static final String NAME = "preference_pairs";
  public static final String QID = "qid";
  public static final String SITE = "site";
  public static final String PROMPT_IDS = "prompt_ids";
  public static final String CHOSEN_IDS = "chosen_ids";
  public static final String REJECTED_IDS = "rejected_ids";
  public static final String CHOSEN_SCORE = "chosen_score";
  public static final String REJECTED_SCORE = "rejected_score";
  public static final String MARGIN = "margin";
  public static final String CHOSEN_ANSWER_ID = "chosen_answer_id";
  public static final String REJECTED_ANSWER_ID = "rejected_answer_id";

  public static final StructType SCHEMA =
      createStructType(
          List.of(
              createStructField(QID, LongType, false),
              createStructField(SITE, StringType, false),
              createStructField(PROMPT_IDS, createArrayType(IntegerType, false), false),
              createStructField(CHOSEN_IDS, createArrayType(IntegerType, false), false),
              createStructField(REJECTED_IDS, createArrayType(IntegerType, false), false),
              createStructField(CHOSEN_SCORE, IntegerType, true),
              createStructField(REJECTED_SCORE, IntegerType, true),
              createStructField(MARGIN, IntegerType, true),
              createStructField(CHOSEN_ANSWER_ID, LongType, false),
              createStructField(REJECTED_ANSWER_ID, LongType, false)));
}
