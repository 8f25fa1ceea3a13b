#!/usr/bin/env bash
# 定时检查逾期任务。cron 会把脚本的输出发到 MAILTO，没有输出就不发邮件：
#
#   MAILTO=liaison@example.gov.cn
#   0 8 * * 1-5  bash ~/bin/cron-overdue.sh --unit 区教体局
#
# 参数原样交给 gongkai overdue（--unit、--plan、--state、--as-of ……）。
# gongkai overdue --check 的退出码：0 没有逾期；1 有逾期；其他（2–6、70、130）是 gongkai 本身
# 没能完成检查，这不等于有逾期，要分开处理。gongkai 的错误信息（标准错误上的一行）照常输出。

list=$(gongkai overdue --check --format md "$@")
code=$?
case $code in
  0) exit 0 ;;
  1) printf '有逾期未完成的任务：\n\n%s\n' "$list"
     exit 1 ;;
  *) echo "逾期检查没能完成（gongkai 退出码 $code），不代表有逾期，请按上面的错误信息处理。" >&2
     exit "$code" ;;
esac
