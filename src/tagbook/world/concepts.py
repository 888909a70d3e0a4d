"""The concepts of the toy world: object categories, scenes, attributes and their hierarchy.

Every concept has a name in English, Chinese (Simplified), German and Japanese. Object
categories and the inner nodes above them form a tree up to ``entity``; each node is mapped to
its WordNet 3.0 synset (``synset`` like ``'dog.n.01'``, ``wnid`` like ``'n02084071'`` with
``offset = int(wnid[1:])``). A path is a shortened WordNet hypernym path: every parent is a true
WordNet ancestor of its child, only some steps in between are left out::

    dog -> canine -> carnivore -> mammal -> animal -> organism -> entity

Ambiguity on purpose: ``shutter``, ``bat``, ``mouse`` and ``bank`` each name two concepts
with distinct keys (``shutter.camera`` / ``shutter.window``, ...), different WordNet synsets and
different Chinese and Japanese names; and near-synonym target names (窗户 / 百叶窗, 杯子 / 马克杯,
船 / 轮船, 汽车 / 公共汽车 / 卡车) sit side by side in the label set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

LANGUAGES = ("en", "zh", "de", "ja")


@dataclass(frozen=True)
class Concept:
    """A node of the concept tree (an object category or an inner node such as ``mammal``)."""

    key: str
    names: Mapping[str, str]  # language -> name
    wnid: str | None = None  # WordNet 3.0 noun id, 'n' + 8-digit offset
    synset: str | None = None  # WordNet synset name, e.g. 'dog.n.01'
    parent: str | None = None  # key of the parent concept; None only for 'entity'

    @property
    def offset(self) -> int | None:
        return None if self.wnid is None else int(self.wnid[1:])


@dataclass(frozen=True)
class CategoryInfo:
    """How an object category is drawn, placed and spoken about."""

    key: str
    group: str  # the COCO supercategory: animal, plant, vehicle, furniture, food, building, sky, object
    zone: str  # where it is placed: sky, ground, water or any
    colours: tuple[str, ...]  # body colours it may have (attribute keys), first most typical
    scenes: tuple[str, ...]  # scene keys it is usually seen in
    en_plural: str
    de_gender: str  # m, f or n
    de_plural: str
    zh_measure: str  # measure word: 只, 辆, 个, ...
    ja_counter: str  # counter: 匹, 台, 個, ...
    animate: bool  # Japanese いる (animate) or ある


# --------------------------------------------------------------------------------------------
# The tree: inner nodes, then object categories. (key, synset, wnid, parent, en, zh, de, ja)
# --------------------------------------------------------------------------------------------

_INNER = [
    ("entity", "entity.n.01", "n00001740", None, "entity", "实体", "Entität", "実体"),
    ("organism", "organism.n.01", "n00004475", "entity", "organism", "生物", "Lebewesen", "生物"),
    ("animal", "animal.n.01", "n00015388", "organism", "animal", "动物", "Tier", "動物"),
    ("mammal", "mammal.n.01", "n01861778", "animal", "mammal", "哺乳动物", "Säugetier", "哺乳類"),
    ("carnivore", "carnivore.n.01", "n02075296", "mammal", "carnivore", "食肉动物", "Raubtier", "肉食動物"),
    ("canine", "canine.n.02", "n02083346", "carnivore", "canine", "犬科动物", "Hundeartiger", "イヌ科"),
    ("feline", "feline.n.01", "n02120997", "carnivore", "feline", "猫科动物", "Katzenartiger", "ネコ科"),
    ("ungulate", "ungulate.n.01", "n02370806", "mammal", "ungulate", "有蹄类动物", "Huftier", "有蹄類"),
    ("equine", "equine.n.01", "n02374149", "ungulate", "equine", "马科动物", "Pferdeartiger", "ウマ科"),
    ("ruminant", "ruminant.n.01", "n02399000", "ungulate", "ruminant", "反刍动物", "Wiederkäuer", "反芻動物"),
    ("rodent", "rodent.n.01", "n02329401", "mammal", "rodent", "啮齿动物", "Nagetier", "齧歯類"),
    ("bird", "bird.n.01", "n01503061", "animal", "bird", "鸟", "Vogel", "鳥"),
    ("reptile", "reptile.n.01", "n01661091", "animal", "reptile", "爬行动物", "Reptil", "爬虫類"),
    ("insect", "insect.n.01", "n02159955", "animal", "insect", "昆虫", "Insekt", "昆虫"),
    ("plant", "plant.n.02", "n00017222", "organism", "plant", "植物", "Pflanze", "植物"),
    ("artifact", "artifact.n.01", "n00021939", "entity", "artifact", "人造物", "Artefakt", "人工物"),
    ("conveyance", "conveyance.n.03", "n03100490", "artifact", "conveyance", "运输工具", "Beförderungsmittel", "輸送手段"),
    ("vehicle", "vehicle.n.01", "n04524313", "conveyance", "vehicle", "交通工具", "Fahrzeug", "乗り物"),
    ("public_transport", "public_transport.n.01", "n04019101", "conveyance", "public transport", "公共交通", "Verkehrsmittel", "公共交通機関"),
    ("furniture", "furniture.n.01", "n03405725", "artifact", "furniture", "家具", "Möbelstück", "家具"),
    ("structure", "structure.n.01", "n04341686", "artifact", "structure", "建筑物", "Bauwerk", "建造物"),
    ("building", "building.n.01", "n02913152", "structure", "building", "建筑", "Gebäude", "建物"),
    ("facility", "facility.n.01", "n03315023", "artifact", "facility", "设施", "Einrichtung", "施設"),
    ("device", "device.n.01", "n03183080", "artifact", "device", "装置", "Gerät", "装置"),
    ("container", "container.n.01", "n03094503", "artifact", "container", "容器", "Behälter", "容器"),
    ("equipment", "equipment.n.01", "n03294048", "artifact", "equipment", "设备", "Ausrüstung", "機器"),
    ("covering", "covering.n.02", "n03122748", "artifact", "covering", "覆盖物", "Abdeckung", "覆い"),
    ("implement", "implement.n.01", "n03563967", "artifact", "implement", "工具", "Werkzeug", "道具"),
    ("plaything", "plaything.n.01", "n03964744", "artifact", "toy", "玩具", "Spielzeug", "おもちゃ"),
    ("food", "food.n.02", "n07555863", "entity", "food", "食物", "Lebensmittel", "食べ物"),
    ("fruit", "edible_fruit.n.01", "n07705931", "food", "fruit", "水果", "Obst", "果物"),
    ("baked_goods", "baked_goods.n.01", "n07622061", "food", "baked goods", "烘焙食品", "Backware", "焼き菓子"),
    ("vegetable", "vegetable.n.01", "n07707451", "food", "vegetable", "蔬菜", "Gemüse", "野菜"),
    ("natural_object", "natural_object.n.01", "n00019128", "entity", "natural object", "自然物", "Naturobjekt", "自然物"),
    ("celestial_body", "celestial_body.n.01", "n09239740", "natural_object", "celestial body", "天体", "Himmelskörper", "天体"),
    ("phenomenon", "phenomenon.n.01", "n00034213", "entity", "phenomenon", "现象", "Phänomen", "現象"),
]

_CATEGORY_NODES = [
    # animals
    ("dog", "dog.n.01", "n02084071", "canine", "dog", "狗", "Hund", "犬"),
    ("cat", "cat.n.01", "n02121620", "feline", "cat", "猫", "Katze", "猫"),
    ("horse", "horse.n.01", "n02374451", "equine", "horse", "马", "Pferd", "馬"),
    ("zebra", "zebra.n.01", "n02391049", "equine", "zebra", "斑马", "Zebra", "シマウマ"),
    ("cow", "cow.n.01", "n02403454", "ruminant", "cow", "奶牛", "Kuh", "牛"),
    ("sheep", "sheep.n.01", "n02411705", "ruminant", "sheep", "羊", "Schaf", "羊"),
    ("giraffe", "giraffe.n.01", "n02439033", "ruminant", "giraffe", "长颈鹿", "Giraffe", "キリン"),
    ("pig", "hog.n.03", "n02395406", "ungulate", "pig", "猪", "Schwein", "豚"),
    ("elephant", "elephant.n.01", "n02503517", "mammal", "elephant", "大象", "Elefant", "象"),
    ("bear", "bear.n.01", "n02131653", "carnivore", "bear", "熊", "Bär", "熊"),
    ("rabbit", "rabbit.n.01", "n02324045", "mammal", "rabbit", "兔子", "Kaninchen", "ウサギ"),
    ("mouse.animal", "mouse.n.01", "n02330245", "rodent", "mouse", "老鼠", "Maus", "ネズミ"),
    ("bat.animal", "bat.n.01", "n02139199", "mammal", "bat", "蝙蝠", "Fledermaus", "コウモリ"),
    ("duck", "duck.n.01", "n01846331", "bird", "duck", "鸭子", "Ente", "アヒル"),
    ("owl", "owl.n.01", "n01621127", "bird", "owl", "猫头鹰", "Eule", "フクロウ"),
    ("parrot", "parrot.n.01", "n01816887", "bird", "parrot", "鹦鹉", "Papagei", "オウム"),
    ("fish", "fish.n.01", "n02512053", "animal", "fish", "鱼", "Fisch", "魚"),
    ("snake", "snake.n.01", "n01726692", "reptile", "snake", "蛇", "Schlange", "蛇"),
    ("butterfly", "butterfly.n.01", "n02274259", "insect", "butterfly", "蝴蝶", "Schmetterling", "蝶"),
    # plants
    ("tree", "tree.n.01", "n13104059", "plant", "tree", "树", "Baum", "木"),
    ("flower", "flower.n.01", "n11669921", "plant", "flower", "花", "Blume", "花"),
    ("cactus", "cactus.n.01", "n11842204", "plant", "cactus", "仙人掌", "Kaktus", "サボテン"),
    # vehicles
    ("car", "car.n.01", "n02958343", "vehicle", "car", "汽车", "Auto", "車"),
    ("truck", "truck.n.01", "n04490091", "vehicle", "truck", "卡车", "Lastwagen", "トラック"),
    ("motorcycle", "motorcycle.n.01", "n03790512", "vehicle", "motorcycle", "摩托车", "Motorrad", "バイク"),
    ("bicycle", "bicycle.n.01", "n02834778", "vehicle", "bicycle", "自行车", "Fahrrad", "自転車"),
    ("boat", "boat.n.01", "n02858304", "vehicle", "boat", "船", "Boot", "ボート"),
    ("ship", "ship.n.01", "n04194289", "vehicle", "ship", "轮船", "Schiff", "船"),
    ("airplane", "airplane.n.01", "n02691156", "vehicle", "airplane", "飞机", "Flugzeug", "飛行機"),
    ("balloon", "balloon.n.01", "n02782093", "vehicle", "balloon", "热气球", "Ballon", "気球"),
    ("bus", "bus.n.01", "n02924116", "public_transport", "bus", "公共汽车", "Bus", "バス"),
    ("train", "train.n.01", "n04468005", "public_transport", "train", "火车", "Zug", "電車"),
    # furniture
    ("chair", "chair.n.01", "n03001627", "furniture", "chair", "椅子", "Stuhl", "椅子"),
    ("table", "table.n.02", "n04379243", "furniture", "table", "桌子", "Tisch", "テーブル"),
    ("sofa", "sofa.n.01", "n04256520", "furniture", "sofa", "沙发", "Sofa", "ソファー"),
    ("bed", "bed.n.01", "n02818832", "furniture", "bed", "床", "Bett", "ベッド"),
    ("lamp", "lamp.n.02", "n03636649", "furniture", "lamp", "台灯", "Lampe", "ランプ"),
    # food
    ("apple", "apple.n.01", "n07739125", "fruit", "apple", "苹果", "Apfel", "りんご"),
    ("banana", "banana.n.02", "n07753592", "fruit", "banana", "香蕉", "Banane", "バナナ"),
    ("orange.fruit", "orange.n.01", "n07747607", "fruit", "orange", "橙子", "Orange", "オレンジ"),
    ("cake", "cake.n.03", "n07628870", "baked_goods", "cake", "蛋糕", "Kuchen", "ケーキ"),
    ("bread", "bread.n.01", "n07679356", "baked_goods", "bread", "面包", "Brot", "パン"),
    ("carrot", "carrot.n.03", "n07730207", "vegetable", "carrot", "胡萝卜", "Karotte", "にんじん"),
    # buildings and structures
    ("house", "house.n.01", "n03544360", "building", "house", "房子", "Haus", "家"),
    ("church", "church.n.02", "n03028079", "building", "church", "教堂", "Kirche", "教会"),
    ("tower", "tower.n.01", "n04460130", "structure", "tower", "塔", "Turm", "塔"),
    ("bridge", "bridge.n.01", "n02898711", "structure", "bridge", "桥", "Brücke", "橋"),
    ("window", "window.n.01", "n04587648", "structure", "window", "窗户", "Fenster", "窓"),
    ("bank.building", "bank.n.09", "n02787772", "facility", "bank", "银行", "Bank", "銀行"),
    # sky
    ("sun", "sun.n.01", "n09450163", "celestial_body", "sun", "太阳", "Sonne", "太陽"),
    ("moon", "moon.n.01", "n09358358", "celestial_body", "moon", "月亮", "Mond", "月"),
    ("star", "star.n.03", "n09444783", "celestial_body", "star", "星星", "Stern", "星"),
    ("cloud", "cloud.n.02", "n09247410", "phenomenon", "cloud", "云", "Wolke", "雲"),
    # things
    ("camera", "camera.n.01", "n02942699", "equipment", "camera", "相机", "Kamera", "カメラ"),
    ("shutter.camera", "shutter.n.01", "n04211528", "device", "shutter", "快门", "Verschluss", "シャッター"),
    ("shutter.window", "shutter.n.02", "n04211356", "covering", "shutter", "百叶窗", "Fensterladen", "雨戸"),
    ("mouse.computer", "mouse.n.04", "n03793489", "device", "mouse", "鼠标", "Maus", "マウス"),
    ("bat.sports", "bat.n.05", "n02806379", "implement", "bat", "球棒", "Schläger", "バット"),
    ("clock", "clock.n.01", "n03046257", "device", "clock", "时钟", "Uhr", "時計"),
    ("umbrella", "umbrella.n.01", "n04507155", "covering", "umbrella", "雨伞", "Regenschirm", "傘"),
    ("ball", "ball.n.01", "n02778669", "equipment", "ball", "球", "Ball", "ボール"),
    ("kite", "kite.n.03", "n03621473", "plaything", "kite", "风筝", "Drachen", "凧"),
    ("cup", "cup.n.01", "n03147509", "container", "cup", "杯子", "Tasse", "カップ"),
    ("mug", "mug.n.04", "n03797390", "container", "mug", "马克杯", "Becher", "マグカップ"),
    ("bottle", "bottle.n.01", "n02876657", "container", "bottle", "瓶子", "Flasche", "瓶"),
]

# (key, group, zone, colours, scenes, en plural, de gender, de plural, zh measure, ja counter, animate)
_A, _G, _W, _S, _Y = "animal", "ground", "water", "sky", "any"
_CATEGORY_INFO = [
    ("dog", _A, _G, "brown black white grey yellow", "grass room street beach snow", "dogs", "m", "Hunde", "只", "匹", True),
    ("cat", _A, _G, "grey black white orange brown", "room grass street", "cats", "f", "Katzen", "只", "匹", True),
    ("horse", _A, _G, "brown black white grey", "grass bank.river snow", "horses", "n", "Pferde", "匹", "頭", True),
    ("zebra", _A, _G, "white", "grass", "zebras", "n", "Zebras", "匹", "頭", True),
    ("cow", _A, _G, "white brown black", "grass bank.river", "cows", "f", "Kühe", "头", "頭", True),
    ("sheep", _A, _G, "white grey black", "grass bank.river snow", "sheep", "n", "Schafe", "只", "匹", True),
    ("giraffe", _A, _G, "yellow orange", "grass", "giraffes", "f", "Giraffen", "只", "頭", True),
    ("pig", _A, _G, "pink brown black", "grass", "pigs", "n", "Schweine", "头", "匹", True),
    ("elephant", _A, _G, "grey brown", "grass water", "elephants", "m", "Elefanten", "头", "頭", True),
    ("bear", _A, _G, "brown black white", "snow grass bank.river", "bears", "m", "Bären", "只", "頭", True),
    ("rabbit", _A, _G, "white grey brown", "grass snow room", "rabbits", "n", "Kaninchen", "只", "匹", True),
    ("mouse.animal", _A, _G, "grey brown white", "room grass", "mice", "f", "Mäuse", "只", "匹", True),
    ("bat.animal", _A, _S, "black brown", "sky bank.river", "bats", "f", "Fledermäuse", "只", "匹", True),
    ("duck", _A, _W, "yellow white brown", "water bank.river grass", "ducks", "f", "Enten", "只", "羽", True),
    ("owl", _A, _Y, "brown grey white", "snow grass bank.river", "owls", "f", "Eulen", "只", "羽", True),
    ("parrot", _A, _Y, "green red blue yellow", "sky grass beach", "parrots", "m", "Papageien", "只", "羽", True),
    ("fish", _A, _W, "orange blue yellow red grey", "water", "fish", "m", "Fische", "条", "匹", True),
    ("snake", _A, _G, "green brown yellow black", "grass beach", "snakes", "f", "Schlangen", "条", "匹", True),
    ("butterfly", _A, _Y, "blue yellow orange purple pink", "grass sky", "butterflies", "m", "Schmetterlinge", "只", "匹", True),
    ("tree", "plant", _G, "green", "grass snow street bank.river", "trees", "m", "Bäume", "棵", "本", False),
    ("flower", "plant", _G, "red yellow pink purple white blue", "grass room bank.river", "flowers", "f", "Blumen", "朵", "本", False),
    ("cactus", "plant", _G, "green", "beach room", "cacti", "m", "Kakteen", "棵", "本", False),
    ("car", "vehicle", _G, "red blue white black grey yellow green", "street snow", "cars", "n", "Autos", "辆", "台", False),
    ("truck", "vehicle", _G, "red blue white grey yellow green", "street snow", "trucks", "m", "Lastwagen", "辆", "台", False),
    ("motorcycle", "vehicle", _G, "red black blue grey", "street", "motorcycles", "n", "Motorräder", "辆", "台", False),
    ("bicycle", "vehicle", _G, "red blue black green yellow", "street grass", "bicycles", "n", "Fahrräder", "辆", "台", False),
    ("boat", "vehicle", _W, "white red blue brown yellow", "water bank.river beach", "boats", "n", "Boote", "艘", "隻", False),
    ("ship", "vehicle", _W, "white red grey black", "water", "ships", "n", "Schiffe", "艘", "隻", False),
    ("airplane", "vehicle", _S, "white grey red blue", "sky", "airplanes", "n", "Flugzeuge", "架", "機", False),
    ("balloon", "vehicle", _S, "red yellow orange blue purple", "sky", "balloons", "m", "Ballons", "个", "機", False),
    ("bus", "vehicle", _G, "yellow red blue white green", "street", "buses", "m", "Busse", "辆", "台", False),
    ("train", "vehicle", _G, "red blue green grey", "street bank.river", "trains", "m", "Züge", "列", "本", False),
    ("chair", "furniture", _G, "brown red blue black white", "room", "chairs", "m", "Stühle", "把", "脚", False),
    ("table", "furniture", _G, "brown white black", "room", "tables", "m", "Tische", "张", "台", False),
    ("sofa", "furniture", _G, "red blue green grey brown purple", "room", "sofas", "n", "Sofas", "张", "台", False),
    ("bed", "furniture", _G, "white blue pink red", "room", "beds", "n", "Betten", "张", "台", False),
    ("lamp", "furniture", _G, "yellow white red blue", "room", "lamps", "f", "Lampen", "盏", "台", False),
    ("apple", "food", _G, "red green yellow", "room", "apples", "m", "Äpfel", "个", "個", False),
    ("banana", "food", _G, "yellow", "room beach", "bananas", "f", "Bananen", "根", "本", False),
    ("orange.fruit", "food", _G, "orange", "room", "oranges", "f", "Orangen", "个", "個", False),
    ("cake", "food", _G, "pink white brown yellow", "room", "cakes", "m", "Kuchen", "块", "個", False),
    ("bread", "food", _G, "brown yellow", "room", "breads", "n", "Brote", "个", "個", False),
    ("carrot", "food", _G, "orange", "room grass", "carrots", "f", "Karotten", "根", "本", False),
    ("house", "building", _G, "red white yellow brown blue", "street grass snow bank.river", "houses", "n", "Häuser", "座", "軒", False),
    ("church", "building", _G, "white grey brown", "street grass snow", "churches", "f", "Kirchen", "座", "軒", False),
    ("tower", "building", _G, "grey white red brown", "street grass", "towers", "m", "Türme", "座", "基", False),
    ("bridge", "building", _G, "grey brown red", "water bank.river", "bridges", "f", "Brücken", "座", "本", False),
    ("window", "building", _Y, "blue white", "room street", "windows", "n", "Fenster", "扇", "枚", False),
    ("bank.building", "building", _G, "grey white yellow", "street", "banks", "f", "Banken", "家", "軒", False),
    ("sun", "sky", _S, "yellow orange", "sky grass beach water snow", "suns", "f", "Sonnen", "个", "個", False),
    ("moon", "sky", _S, "white yellow", "sky snow street bank.river", "moons", "m", "Monde", "个", "個", False),
    ("star", "sky", _S, "yellow white", "sky snow", "stars", "m", "Sterne", "颗", "個", False),
    ("cloud", "sky", _S, "white grey", "sky grass water beach street", "clouds", "f", "Wolken", "朵", "個", False),
    ("camera", "object", _Y, "black grey white", "room beach", "cameras", "f", "Kameras", "台", "台", False),
    ("shutter.camera", "object", _Y, "black grey", "room", "shutters", "m", "Verschlüsse", "个", "個", False),
    ("shutter.window", "object", _Y, "green brown blue white", "room street", "shutters", "m", "Fensterläden", "扇", "枚", False),
    ("mouse.computer", "object", _G, "black white grey", "room", "mice", "f", "Mäuse", "个", "個", False),
    ("bat.sports", "object", _G, "brown black", "grass room", "bats", "m", "Schläger", "根", "本", False),
    ("clock", "object", _Y, "white black red", "room street", "clocks", "f", "Uhren", "个", "個", False),
    ("umbrella", "object", _G, "red blue yellow black green purple", "beach street", "umbrellas", "m", "Regenschirme", "把", "本", False),
    ("ball", "object", _G, "red blue white yellow orange", "grass beach room", "balls", "m", "Bälle", "个", "個", False),
    ("kite", "object", _S, "red yellow blue green purple", "sky beach grass", "kites", "m", "Drachen", "只", "枚", False),
    ("cup", "object", _G, "white red blue yellow", "room", "cups", "f", "Tassen", "个", "個", False),
    ("mug", "object", _G, "white red blue black", "room", "mugs", "m", "Becher", "个", "個", False),
    ("bottle", "object", _G, "green blue brown white", "room beach", "bottles", "f", "Flaschen", "个", "本", False),
]

# German gender of the inner nodes (for sentences such as "Ein Hund ist ein Tier.")
_INNER_DE_GENDER = {
    "entity": "f", "organism": "n", "animal": "n", "mammal": "n", "carnivore": "n", "canine": "m",
    "feline": "m", "ungulate": "n", "equine": "m", "ruminant": "m", "rodent": "n", "bird": "m",
    "reptile": "n", "insect": "n", "plant": "f", "artifact": "n", "conveyance": "n", "vehicle": "n",
    "public_transport": "n", "furniture": "n", "structure": "n", "building": "n", "facility": "f",
    "device": "n", "container": "m", "equipment": "f", "covering": "f", "implement": "n",
    "plaything": "n", "food": "n", "fruit": "n", "baked_goods": "f", "vegetable": "n",
    "natural_object": "n", "celestial_body": "m", "phenomenon": "n",
}


def _node(row) -> Concept:
    key, synset, wnid, parent, en, zh, de, ja = row
    return Concept(key=key, names=MappingProxyType(dict(en=en, zh=zh, de=de, ja=ja)), wnid=wnid, synset=synset, parent=parent)


CONCEPTS: Mapping[str, Concept] = MappingProxyType({row[0]: _node(row) for row in _INNER + _CATEGORY_NODES})
"""Every node of the tree, inner nodes and object categories, by key."""

CATEGORIES: Mapping[str, Concept] = MappingProxyType({row[0]: CONCEPTS[row[0]] for row in _CATEGORY_NODES})
"""The object categories (leaves of the tree) by key, in a fixed order."""

CATEGORY_INFO: Mapping[str, CategoryInfo] = MappingProxyType({
    row[0]: CategoryInfo(
        key=row[0], group=row[1], zone=row[2], colours=tuple(row[3].split()), scenes=tuple(row[4].split()),
        en_plural=row[5], de_gender=row[6], de_plural=row[7], zh_measure=row[8], ja_counter=row[9], animate=row[10],
    )
    for row in _CATEGORY_INFO
})

DE_GENDER: Mapping[str, str] = MappingProxyType({**_INNER_DE_GENDER, **{k: v.de_gender for k, v in CATEGORY_INFO.items()}})

# --------------------------------------------------------------------------------------------
# Scenes and attributes: (key, synset, wnid, en, zh, de, ja)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """A scene or attribute label: a name per language and a WordNet synset where one fits."""

    key: str
    names: Mapping[str, str]
    wnid: str | None = None
    synset: str | None = None
    extra: Mapping[str, object] = field(default_factory=dict)


def _term(key, synset, wnid, en, zh, de, ja, **extra) -> Term:
    return Term(key, MappingProxyType(dict(en=en, zh=zh, de=de, ja=ja)), wnid, synset, MappingProxyType(extra))


SCENES: Mapping[str, Term] = MappingProxyType({t.key: t for t in [
    _term("sky", "sky.n.01", "n09436708", "sky", "天空", "Himmel", "空"),
    _term("grass", "grass.n.01", "n12102133", "grass", "草地", "Wiese", "草原"),
    _term("water", "body_of_water.n.01", "n09225146", "water", "水面", "Wasser", "水面"),
    _term("beach", "beach.n.01", "n09217230", "beach", "沙滩", "Strand", "砂浜"),
    _term("snow", "snow.n.02", "n15043763", "snow", "雪地", "Schnee", "雪"),
    _term("room", "room.n.01", "n04105893", "room", "房间", "Zimmer", "部屋"),
    _term("street", "street.n.01", "n04334599", "street", "街道", "Straße", "通り"),
    _term("bank.river", "bank.n.01", "n09213565", "bank", "河岸", "Ufer", "川岸"),
]})
"""The scene types (backgrounds). ``bank.river`` shares its English name with ``bank.building``."""

# Colours: names and the RGB they are drawn with. Japanese keeps the noun (赤); captions use
# the adjective forms in tagbook.world.captions.
COLOURS: Mapping[str, Term] = MappingProxyType({t.key: t for t in [
    _term("red", "red.n.01", "n04962784", "red", "红色", "rot", "赤", rgb=(200, 30, 35)),
    _term("orange", "orange.n.02", "n04965179", "orange", "橙色", "orange", "オレンジ色", rgb=(245, 135, 20)),
    _term("yellow", "yellow.n.01", "n04965661", "yellow", "黄色", "gelb", "黄色", rgb=(245, 215, 40)),
    _term("green", "green.n.01", "n04967191", "green", "绿色", "grün", "緑", rgb=(45, 150, 50)),
    _term("blue", "blue.n.01", "n04968895", "blue", "蓝色", "blau", "青", rgb=(35, 75, 205)),
    _term("purple", "purple.n.01", "n04970059", "purple", "紫色", "lila", "紫", rgb=(125, 45, 165)),
    _term("pink", "pink.n.01", "n04970916", "pink", "粉色", "rosa", "ピンク", rgb=(245, 140, 185)),
    _term("brown", "brown.n.01", "n04971928", "brown", "棕色", "braun", "茶色", rgb=(120, 72, 35)),
    _term("black", "black.n.01", "n04960277", "black", "黑色", "schwarz", "黒", rgb=(28, 28, 30)),
    _term("white", "white.n.02", "n04960729", "white", "白色", "weiß", "白", rgb=(242, 242, 238)),
    _term("grey", "gray.n.01", "n04961691", "grey", "灰色", "grau", "灰色", rgb=(128, 128, 132)),
]})

SIZES: Mapping[str, Term] = MappingProxyType({t.key: t for t in [
    _term("small", None, None, "small", "小", "klein", "小さい"),
    _term("medium", None, None, "medium", "中等", "mittelgroß", "中くらい"),
    _term("large", None, None, "large", "大", "groß", "大きい"),
]})

POSITIONS: Mapping[str, Term] = MappingProxyType({t.key: t for t in [
    _term("left", None, None, "left", "左边", "links", "左"),
    _term("right", None, None, "right", "右边", "rechts", "右"),
    _term("top", None, None, "top", "上方", "oben", "上"),
    _term("bottom", None, None, "bottom", "下方", "unten", "下"),
    _term("centre", None, None, "centre", "中间", "Mitte", "真ん中"),
]})
"""Image-level position labels; an object at the top left carries both ``top`` and ``left``."""

# An object's position is one of nine regions of a 3 x 3 grid over the image, read off its
# visible-mask centroid; each region maps to the position labels it implies.
REGIONS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "top left": ("top", "left"), "top": ("top",), "top right": ("top", "right"),
    "left": ("left",), "centre": ("centre",), "right": ("right",),
    "bottom left": ("bottom", "left"), "bottom": ("bottom",), "bottom right": ("bottom", "right"),
})


# --------------------------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------------------------


def concept(key: str) -> Concept:
    try:
        return CONCEPTS[key]
    except KeyError:
        raise KeyError(f"unknown concept {key!r}; known: {', '.join(CONCEPTS)}") from None


def hypernym_path(key: str) -> list[Concept]:
    """The concept and its ancestors up to ``entity``: ``[dog, canine, carnivore, ..., entity]``."""
    path = [concept(key)]
    while path[-1].parent is not None:
        if len(path) > len(CONCEPTS):  # pragma: no cover - guarded by the tree test
            raise ValueError(f"cycle in the concept tree above {key!r}")
        path.append(concept(path[-1].parent))
    return path


def children(key: str) -> list[Concept]:
    """The direct children of a node, in table order."""
    concept(key)
    return [c for c in CONCEPTS.values() if c.parent == key]


def categories_under(key: str) -> list[str]:
    """The object categories below (or equal to) a node, e.g. every animal under ``animal``."""
    concept(key)
    return [c for c in CATEGORIES if any(p.key == key for p in hypernym_path(c))]


def names_by_english(word: str) -> list[str]:
    """Keys of every concept, scene or colour whose English name is ``word`` (polysemy lookup)."""
    word = word.lower()
    keys = [c.key for c in CONCEPTS.values() if c.names["en"].lower() == word]
    keys += [t.key for t in SCENES.values() if t.names["en"].lower() == word]
    keys += [t.key for t in COLOURS.values() if t.names["en"].lower() == word]
    return keys


POLYSEMOUS = ("shutter", "bat", "mouse", "bank", "orange")
"""English names shared by two labels with different meanings (and different translations)."""

NEAR_SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("window", "shutter.window"),  # 窗户 / 百叶窗
    ("cup", "mug"),  # 杯子 / 马克杯
    ("boat", "ship"),  # 船 / 轮船
    ("car", "bus", "truck"),  # 汽车 / 公共汽车 / 卡车
    ("mouse.animal", "rabbit"),  # small grey-brown rodent-like animals
)
"""Groups of distinct labels whose target names (or looks) lie close together, on purpose."""
