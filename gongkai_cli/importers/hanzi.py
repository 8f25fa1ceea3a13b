"""Traditional -> Simplified Chinese for imported tables: a small table written by hand.

It holds only characters that occur in 政务公开 task tables (unit names, 具体要求, 完成时限 and
headings: 區→区, 務→务, 責→责, 單→单, 辦→办, 鎮→镇 …, 431 in all), one Simplified form each; it
is not a general converter (no phrase-level choices such as 乾/幹, no Taiwan or Hong Kong usage).
A character outside the table is left as it is, which a reviewer sees in the plan.
"""

from __future__ import annotations

_TRADITIONAL = (
    "區務開點責單體關門黨處辦發財稅衛資農業環態設計劃規監審執應醫療險機構統鎮縣鄉職時間內實現進強網數據訊動傳報導聞證號條權領"
    "組織員會議決與參評價總結經濟產廠場並為於個們這來後從對將屬歸當專級範標準優營貿稱勞適齡兒學園養護殘聯團婦協紀檢調訪問題預"
    "債費補貼災減錯續億萬項啟細則類別圍繞穩質綠雙運舉爭觀陽橋溝長鋪莊張蘇廣東見視頻聽說讀語論誌記錄檔歷華國圖書館電話郵車輛鐵"
    "線氣溫熱礦築隱違藥飲約廳節儲備軍脫貧鞏興盤獲況達層轄鄰滿幹畫確認識該請諮詢訴複復愛漢灣壩濱勵獎懲罰戶臺賬帳貨幣銀絡屆輪壓"
    "勢績較難盡擴歲齊魯寧嶺漁獸種糧穀倉庫輸遞戰籌兩擔廢舊繫係遊藝術樂歡習練訓師際雲週頭額測擁撫殯碼樓廈賓飯遷徵償擬訂頒佈驗鑒"
    "許綜轉讓換維諾誠購買賣寫簽嚴潔敗聲響銷採衝擊斷緊韓葉蕭鄭楊趙孫馬黃鍾譚蔣謝羅劉陳吳嶽貴濕淨輻燈綫課試獨創頁欄懸掛詳鍵釋義"
    "疇礎礙軟寬帶異紙編贈閱覽鏈遲滯彙匯誤糾隸辭劑鬥廟墳縮壞惡虛偽騙賭槍彈颱颶澇凍閘雞鴨豬蠶繭麥獵煉鋼鍋爐鐘錶麵滷醬鹽臨診鰥親"
    "喪幫銜貸賠繳納緩撥餘憑"
)
_SIMPLIFIED = (
    "区务开点责单体关门党处办发财税卫资农业环态设计划规监审执应医疗险机构统镇县乡职时间内实现进强网数据讯动传报导闻证号条权领"
    "组织员会议决与参评价总结经济产厂场并为于个们这来后从对将属归当专级范标准优营贸称劳适龄儿学园养护残联团妇协纪检调访问题预"
    "债费补贴灾减错续亿万项启细则类别围绕稳质绿双运举争观阳桥沟长铺庄张苏广东见视频听说读语论志记录档历华国图书馆电话邮车辆铁"
    "线气温热矿筑隐违药饮约厅节储备军脱贫巩兴盘获况达层辖邻满干画确认识该请谘询诉复复爱汉湾坝滨励奖惩罚户台账帐货币银络届轮压"
    "势绩较难尽扩岁齐鲁宁岭渔兽种粮谷仓库输递战筹两担废旧系系游艺术乐欢习练训师际云周头额测拥抚殡码楼厦宾饭迁征偿拟订颁布验鉴"
    "许综转让换维诺诚购买卖写签严洁败声响销采冲击断紧韩叶萧郑杨赵孙马黄钟谭蒋谢罗刘陈吴岳贵湿净辐灯线课试独创页栏悬挂详键释义"
    "畴础碍软宽带异纸编赠阅览链迟滞汇汇误纠隶辞剂斗庙坟缩坏恶虚伪骗赌枪弹台飓涝冻闸鸡鸭猪蚕茧麦猎炼钢锅炉钟表面卤酱盐临诊鳏亲"
    "丧帮衔贷赔缴纳缓拨余凭"
)
_TABLE = str.maketrans(_TRADITIONAL, _SIMPLIFIED)
_KNOWN = frozenset(_TRADITIONAL)


def traditional_count(text: str) -> int:
    """How many distinct characters of ``text`` are in the table (Traditional forms)."""
    return len(_KNOWN.intersection(text))


def to_simplified(text: str) -> str:
    return text.translate(_TABLE)
