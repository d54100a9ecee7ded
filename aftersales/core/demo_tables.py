"""The demo company's data tables: cities, customers, catalogue, names (used by core.demo)."""

CITIES = {  # city: area code, districts, roads
    "杭州": ("0571", "西湖区 滨江区 拱墅区 钱塘区", "文三路 江南大道 莫干山路 学院路 江晖路"),
    "上海": ("021", "浦东新区 闵行区 嘉定区 徐汇区", "张江路 莘庄路 博园路 漕溪北路 世纪大道"),
    "南京": ("025", "鼓楼区 秦淮区 江北新区 栖霞区", "中山北路 龙蟠中路 浦滨路 仙林大道 汉中路"),
    "苏州": ("0512", "工业园区 吴中区 姑苏区", "星湖街 东吴北路 人民路 现代大道"),
    "宁波": ("0574", "北仑区 鄞州区", "明州路 天童南路 四明中路 新大路"),
    "合肥": ("0551", "蜀山区 包河区 经开区", "长江西路 徽州大道 繁华大道 望江西路"),
    "武汉": ("027", "洪山区 江汉区 东湖高新区", "珞喻路 解放大道 光谷大道 建设大道"),
    "成都": ("028", "锦江区 高新区 龙泉驿区", "东大街 天府大道 成龙大道 科华北路"),
    "广州": ("020", "天河区 越秀区 南沙区 番禺区", "天河路 中山五路 进港大道 市桥路"),
    "深圳": ("0755", "南山区 宝安区 龙岗区 坪山区", "科技园路 宝安大道 龙岗大道 深汕路"),
}
DEALERS = [  # code, name, region, contact, phone
    ("JXS-HD", "杭州安视达智能科技有限公司", "华东", "沈建东", "0571-88231166"),
    ("JXS-HN", "广州粤安信息技术有限公司", "华南", "梁志文", "020-38825120"),
    ("JXS-XN", "成都蜀通安防工程有限公司", "西南", "邓春华", "028-85562310"),
]
DEALER_OF_CITY = {"宁波": "JXS-HD", "苏州": "JXS-HD", "合肥": "JXS-HD", "广州": "JXS-HN", "深圳": "JXS-HN",
                  "成都": "JXS-XN"}
BY_OTHERS = {"KH0011": True, "KH0029": False}  # installed by others: documents reviewed?

CUSTOMERS = """\
杭州 hospital xxey 杭州市西溪第二医院
杭州 school wlsy 杭州文澜实验学校
杭州 gov gsxz 杭州市拱墅区行政服务中心
杭州 community yhhy 杭州翠苑银湖花园小区
杭州 factory hyjm 杭州恒远精密机械有限公司
杭州 bank qjrcb 钱江农村商业银行城西支行
上海 hospital dmws 上海浦东新区东明社区卫生服务中心
上海 school qzzx 上海市闵行区启智中学
上海 bank pssh 上海浦申商业银行陆家嘴支行
上海 gov jdsj 上海市嘉定区市场监督管理局
上海 factory rdqp 上海临港瑞达汽车零部件有限公司
南京 school zswy 南京钟山外国语学校
南京 hospital knyy 南京鼓楼康宁医院
南京 gov jbzw 南京江北新区政务服务中心
南京 community xlcg 南京仙林翠谷花园小区
苏州 school xhxx 苏州工业园区星湖学校
苏州 factory hrdz 苏州吴中华瑞电子有限公司
苏州 gov gsda 苏州市姑苏区档案馆
苏州 bank wjcz 苏州吴江村镇银行松陵支行
宁波 factory gcfz 宁波北仑港城纺织有限公司
宁波 school yzsx 宁波市鄞州区第二实验小学
合肥 gov sszw 合肥市蜀山区政务服务中心
合肥 hospital bhyy 合肥滨湖康复医院
合肥 school mdzx 合肥经开区明德中学
武汉 hospital gg3y 武汉光谷第三医院
武汉 gov jhcg 武汉市江汉区城市管理执法局
武汉 bank cjns 武汉长江农商银行汉口支行
武汉 factory hxgd 武汉华新光电器件有限公司
武汉 community dhxc 武汉东湖新城小区
成都 school jjsy 成都市锦江区实验学校
成都 gov tfsw 成都天府国际生物城管委会
成都 community sdjk 成都蜀都金控大厦
成都 factory yhqp 成都龙泉驿远航汽车配件有限公司
广州 school hjxx 广州市天河区华景小学
广州 factory zjjg 广州南沙珠江精工制造有限公司
广州 hospital yxdy 广州越秀区人民医院东院
广州 community jxnw 广州番禺锦绣南湾小区
深圳 bank qhlh 深圳前海联合商业银行科技园支行
深圳 school lgwy 深圳市龙岗区外国语学校
深圳 factory psxn 深圳坪山新能源电池有限公司"""

KINDS = {  # levels to draw from, sites, contact titles, areas, systems, mail suffix
    "hospital": ("AAB", "本部院区 门急诊楼 东院区", "信息科科长 后勤保障处主任 保卫科干事 设备科工程师",
                 "门诊大厅 住院部 急诊 药房 地下车库 行政楼", "cctv acs bas", "org.cn"),
    "school": ("BBA", "本部校区 北校区 体育馆", "总务处主任 信息中心老师 保卫处处长",
               "教学楼 实验楼 食堂 校门 操场 宿舍楼 图书馆", "cctv pa acs", "edu.cn"),
    "bank": ("AAB", "营业部 数据机房 城东分理处", "运营主管 科技部工程师 安保经理",
             "营业厅 金库 自助银行 办公区 机房走廊", "cctv acs", "com.cn"),
    "gov": ("ABB", "行政中心 办事大厅 档案楼", "办公室主任 信息中心主任 后勤科科长",
            "办事大厅 办公楼 会议中心 档案室 停车场", "acs bas cctv", "gov.cn"),
    "factory": ("BBC", "一厂区 二厂区 物流仓库", "设备部经理 IT主管 行政经理 安环部主管",
                "一号车间 二号车间 仓库 厂区大门 办公楼 配电房", "cctv light", "com"),
    "community": ("BCC", "一期 二期 地下车库", "物业经理 工程主管 监控室班长",
                  "东门 西门 地下车库 1幢 5幢 中心花园 物业中心", "cctv acs", "com"),
}
SYSTEMS = {  # label, head unit role, heads, children per head (role, min, max), software role
    "cctv": ("视频监控系统", "nvr", (1, 2), [("cam", 6, 16)], "sw_vms"),
    "acs": ("门禁一卡通系统", "acs_ctl", (1, 3), [("acs_term", 2, 4)], "sw_acs"),
    "light": ("智能照明系统", "lt_ctl", (1, 2), [("lt_fix", 8, 16)], None),
    "bas": ("楼宇自控系统", "bas_ddc", (2, 3), [("bas_dev", 3, 6)], "sw_bas"),
    "pa": ("公共广播系统", "pa_host", (1, 1), [("pa_amp", 1, 2), ("pa_spk", 8, 16)], None),
}
UNIT_LABELS = {"cam": "摄像机", "nvr": "录像机", "storage": "存储阵列", "acs_ctl": "门禁控制器", "acs_term": "门禁终端",
               "lt_ctl": "照明控制器", "lt_fix": "灯具", "bas_ddc": "DDC控制器", "bas_dev": "现场设备",
               "pa_host": "广播主机", "pa_amp": "功放", "pa_spk": "扬声器", "sw_vms": "视频管理平台",
               "sw_acs": "一卡通平台", "sw_bas": "集成管理平台"}

CATEGORIES = [("CCTV", "视频监控"), ("NVR", "录像存储"), ("ACS", "门禁"), ("LIGHT", "照明"), ("BAS", "楼宇自控"),
              ("PA", "广播"), ("SOFT", "业务软件")]
MAKERS = ["海康威视", "大华", "宇视", "华为", "霍尼韦尔", "西门子", "飞利浦", "自研"]
PARTS = """\
BJ-CAM-PSU 36 45 个 摄像机电源适配器 12V/1A
BJ-CAM-IR 48 120 块 红外补光灯板
BJ-CAM-LENS 60 380 个 电动变焦镜头模组
BJ-CAM-SEAL 24 15 套 防水接头及密封圈
BJ-PTZ-MOT 48 650 套 球机云台电机组件
BJ-HDD-8T 36 1450 块 8TB 监控级硬盘
BJ-NVR-PSU 60 420 个 录像机电源模块
BJ-FAN-80 36 35 个 80mm 散热风扇
BJ-NVR-MB 96 2200 块 录像机主板
BJ-OS-CTRL 96 18000 块 存储控制器模块
BJ-OS-BBU 36 2600 个 存储备用电池模块
BJ-ACS-LOCK 60 260 把 280kg 磁力锁
BJ-ACS-PSU 48 150 个 门禁专用电源 12V/5A
BJ-ACS-BTN 60 30 个 出门按钮
BJ-ACS-CAM 60 520 个 人脸识别摄像头模组
BJ-ACS-LCD 60 460 块 7英寸触摸显示屏
BJ-ACS-RDR 60 180 个 IC/ID 读卡模块
BJ-ACS-BAT 36 95 块 蓄电池 12V/7Ah
BJ-LED-DRV 50 160 个 LED 驱动电源
BJ-LED-MOD 60 210 块 LED 灯珠模组
BJ-DLT-RLY 96 980 块 继电器输出模块
BJ-BAS-IO 96 2600 块 I/O 扩展模块
BJ-BAS-TR 96 180 个 24VAC 控制变压器
BJ-BAS-BAT 24 40 节 实时时钟后备电池
BJ-BAS-SNS 60 220 支 温度探头
BJ-BAS-MOT 60 650 台 执行器电机
BJ-PA-AMP 84 1800 块 功放模块
BJ-PA-SPK 96 90 只 6.5英寸扬声器单元
BJ-PA-PSU 60 800 个 广播主机电源
BJ-SW-KEY 60 600 个 软件加密狗
BJ-SRV-HDD 36 1100 块 1.2TB SAS 服务器硬盘
BJ-SRV-PSU 60 900 个 服务器冗余电源"""
MODELS = """\
CCTV|海康威视|DS-2CD3T46WDV3-I3|400万像素红外网络筒型摄像机|cam|72|980|CAM-PSU CAM-IR CAM-SEAL
CCTV|海康威视|DS-2CD3346WDV3-I|400万像素红外网络半球摄像机|cam|72|860|CAM-PSU CAM-IR
CCTV|海康威视|DS-2DE4425IW-DE|400万像素25倍红外网络球机|cam|60|3200|CAM-PSU CAM-LENS PTZ-MOT CAM-SEAL
CCTV|大华|DH-IPC-HFW2433M-I1|400万像素红外网络筒型摄像机|cam|72|720|CAM-PSU CAM-IR CAM-SEAL
CCTV|大华|DH-SD49425XB-HNR|400万像素25倍星光网络球机|cam|60|2900|CAM-PSU CAM-LENS PTZ-MOT
CCTV|宇视|IPC2124LB-SF40KM-G|400万像素红外网络筒型摄像机|cam|72|650|CAM-PSU CAM-IR
CCTV|华为|C2150-10-SIU|500万像素AI筒型摄像机|cam|72|1500|CAM-PSU CAM-IR CAM-LENS
NVR|海康威视|DS-8632N-I8|32路网络硬盘录像机|nvr|96|4800|HDD-8T NVR-PSU FAN-80
NVR|海康威视|DS-96064N-I16|64路网络硬盘录像机|nvr|96|12800|HDD-8T NVR-PSU FAN-80 NVR-MB
NVR|大华|DH-NVR5432-16P-I|32路网络硬盘录像机|nvr|96|5200|HDD-8T NVR-PSU FAN-80
NVR|宇视|NVR516-32|32路网络硬盘录像机|nvr|96|4600|HDD-8T NVR-PSU
NVR|华为|IVS1800-C08-16T|智能微边缘视频存储|nvr|96|18000|HDD-8T NVR-PSU FAN-80
NVR|华为|OceanStor 2200 V3|存储阵列|storage|120|68000|HDD-8T OS-CTRL OS-BBU FAN-80
ACS|海康威视|DS-K2604T|四门门禁控制器|acs_ctl|96|2100|ACS-PSU ACS-BAT ACS-LOCK
ACS|海康威视|DS-K1T671M|人脸识别门禁一体机|acs_term|72|2600|ACS-CAM ACS-LCD ACS-BTN
ACS|大华|DH-ASI7213Y-V3|人脸识别门禁一体机|acs_term|72|2400|ACS-CAM ACS-LCD ACS-RDR
ACS|霍尼韦尔|PRO32IC|门禁智能控制器|acs_ctl|120|6800|ACS-PSU ACS-BAT
ACS|霍尼韦尔|OT35HMW|智能卡读卡器|acs_term|96|900|ACS-RDR ACS-BTN
LIGHT|飞利浦|BY698P LED250/NW|高天棚 LED 工矿灯|lt_fix|60|1350|LED-DRV LED-MOD
LIGHT|飞利浦|RC048B LED34S/840|LED 平板灯|lt_fix|60|320|LED-DRV LED-MOD
LIGHT|飞利浦|DDRC1220FR-GL|Dynalite 智能照明控制器|lt_ctl|120|5600|DLT-RLY BAS-TR
BAS|西门子|PXC36-E.D|Desigo 楼宇自控 DDC 控制器|bas_ddc|120|9800|BAS-IO BAS-TR BAS-BAT
BAS|西门子|QAE2120.010|浸入式温度传感器|bas_dev|96|680|BAS-SNS
BAS|西门子|SSC81|电动阀门执行器|bas_dev|96|1200|BAS-MOT BAS-TR
BAS|霍尼韦尔|XL1000C500|Excel Web II DDC 控制器|bas_ddc|120|8600|BAS-IO BAS-TR BAS-BAT
BAS|霍尼韦尔|ML7421A8022|电动执行器|bas_dev|96|1600|BAS-MOT
PA|霍尼韦尔|X-618|数字广播主机|pa_host|120|15800|PA-PSU PA-AMP
PA|霍尼韦尔|X-DA2500|数字功放|pa_amp|120|4200|PA-AMP FAN-80
PA|霍尼韦尔|L-PCS6A|吸顶扬声器|pa_spk|120|260|PA-SPK
SOFT|自研|ZH-VMS V3.2|视频综合管理平台|sw_vms|60|38000|SW-KEY SRV-HDD SRV-PSU
SOFT|自研|ZH-OneCard V2.1|一卡通门禁管理软件|sw_acs|60|26000|SW-KEY SRV-HDD
SOFT|自研|ZH-BMS V1.5|楼宇设备集成管理平台|sw_bas|60|45000|SW-KEY SRV-HDD SRV-PSU"""

SURNAMES = ("王wang 李li 张zhang 刘liu 陈chen 杨yang 黄huang 赵zhao 吴wu 周zhou 徐xu 孙sun 马ma 朱zhu 胡hu "
            "郭guo 何he 林lin 高gao 罗luo 郑zheng 梁liang 谢xie 宋song 唐tang 韩han 冯feng 邓deng 曹cao 沈shen").split()
GIVEN = ("伟wei 芳fang 娜na 敏min 静jing 丽li 强qiang 磊lei 军jun 洋yang 勇yong 艳yan 杰jie 涛tao 明ming 超chao "
         "秀英xiuying 建华jianhua 志强zhiqiang 海燕haiyan 晓东xiaodong 文博wenbo 雪梅xuemei 国平guoping "
         "浩然haoran 思远siyuan 婷婷tingting 卫东weidong 春华chunhua 玉兰yulan").split()
MOBILE_PREFIXES = "130 131 132 133 135 136 137 138 139 150 151 152 155 156 158 159 177 180 181 186 187 188 189 199"

# Service requests: what customers report, what they are waiting for, how it was solved
FAULTS = [
    "三号楼监控画面全部黑屏，录像机显示无信号", "硬盘录像机报警：硬盘错误，无法回放昨天的录像",
    "大门人脸识别门禁不开门，屏幕提示网络异常", "地下车库照明回路跳闸，一半灯不亮",
    "球机云台无法转动，预置位失效", "NVR 通道离线 6 路，交换机指示灯闪烁异常",
    "楼宇自控系统空调机组无法远程启停", "考勤软件升级后无法导出月报",
    "电梯厅摄像机夜间画面偏红", "周界报警误报频繁，夜间每小时数次",
    "监控中心大屏拼接单元一块黑屏", "道闸抬杆后不落，地感线圈疑似损坏",
    "视频存储服务器告警：RAID 降级", "消防联动信号无法送达门禁控制器",
]
WAITING_FOR = ["等客户提供机房门禁授权", "等客户确认停机窗口", "等客户采购人员确认报价", "等客户IT提供远程账号"]
SOLUTIONS = [
    "远程登录录像机重建索引后恢复回放", "更换电源适配器后恢复正常", "重新配置交换机 VLAN，通道全部上线",
    "更换故障硬盘并重建 RAID", "调整摄像机白平衡与红外参数", "更换地感线圈控制器，道闸恢复",
    "清理门禁控制器配置并重新下发人脸库", "复位空气开关，排查后更换漏电的灯具驱动",
]
