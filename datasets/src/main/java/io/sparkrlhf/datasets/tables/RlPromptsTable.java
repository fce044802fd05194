package io.sparkrlhf.datasets.tables;

import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.createArrayType;
import static org.apache.spark.sql.types.DataTypes.createStructField;
import static org.apache.spark.sql.types.DataTypes.createStructType;

import java.util.List;
import org.apache.spark.sql.types.StructType;

/** {@code rl_prompts/{train,eval}}: one rendered, tokenised prompt per question, for PPO rollouts. */
public final class RlPromptsTable {
  private RlPromptsTable() {}

  public static final String NAME = "rl_prompts";
  public static final String QID = "qid";
  public static final String SITE = "site";
  public static final String PROMPT_IDS = "prompt_ids";

  public static final StructType SCHEMA =
      createStructType(
          List.of(
              createStructField(QID, LongType, false),
              createStructField(SITE, StringType, false),
              createStructField(PROMPT_IDS, createArrayType(IntegerType, false), false)));
}
